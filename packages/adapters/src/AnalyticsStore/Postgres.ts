/**
 * The analytics store on Postgres (a real server or the embedded PGlite; the same SQL on both). The day's
 * tables are replaced in one transaction, so a failed run never leaves half a day behind; tags go through
 * `unnest` so a day with many tags is still one statement. Rows the server refuses for their content are
 * isolated by halving (see `Storable.ts`), so they never fail a day.
 */
import { Effect, Option, Semaphore } from "effect"
import type postgres from "postgres"
import type {
  AnalyticsStoreApi,
  BatchReject,
  BatchRun,
  ProcessedDay,
  RefusedAggregate,
  RunCounts,
  RunStatus
} from "../AnalyticsStore.ts"
import { AnalyticsStoreError, BatchRunInProgress } from "./AnalyticsStoreError.ts"
import { isolatable, lastResortReject, storableReject, storableText } from "./Storable.ts"

/** "pinflowb" in ASCII: the session advisory lock a batch run holds (migrations use "pinflow"). */
const runLockKey = 0x70696e666c6f7762n.toString()
const rejectChunk = 500

const attempt = <A>(operation: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new AnalyticsStoreError({ operation, cause }) })

/** [start, end) of a UTC day as ISO instants, so the session time zone never shifts the day. */
const dayBounds = (day: string): readonly [string, string] => {
  const start = new Date(`${day}T00:00:00.000Z`)
  return [start.toISOString(), new Date(start.getTime() + 86_400_000).toISOString()]
}

interface RunRow {
  readonly id: string | number
  readonly day: string
  readonly status: RunStatus
  readonly started_at: Date
  readonly finished_at: Date | null
  readonly counts: RunCounts
  readonly error: string | null
  readonly read_through: Date | null
}

const toRun = (row: RunRow): BatchRun => ({
  id: Number(row.id),
  day: row.day,
  status: row.status,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  counts: row.counts,
  error: row.error,
  readThrough: row.read_through
})

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Inserts `rows` with `insert` inside the transaction, each attempt under a savepoint: when the server
 * refuses a statement for its rows (`isolatable`), the rows are halved until the refused ones are found;
 * those are returned, every other row is inserted. Any other failure ends the transaction.
 */
const insertIsolating = async <Row>(
  tx: postgres.TransactionSql,
  rows: ReadonlyArray<Row>,
  insert: (sql: postgres.TransactionSql, rows: ReadonlyArray<Row>) => Promise<unknown>
): Promise<Array<{ readonly row: Row; readonly error: string }>> => {
  if (rows.length === 0) return []
  try {
    await tx.savepoint((sp) => insert(sp, rows))
    return []
  } catch (cause) {
    if (!isolatable(cause)) throw cause
    const [only] = rows
    if (rows.length === 1 && only !== undefined) return [{ row: only, error: messageOf(cause) }]
    const half = rows.length >> 1
    return [
      ...(await insertIsolating(tx, rows.slice(0, half), insert)),
      ...(await insertIsolating(tx, rows.slice(half), insert))
    ]
  }
}

export const makePostgresAnalytics = (sql: postgres.Sql): AnalyticsStoreApi => {
  const rejectRow = (r: BatchReject) => ({
    reason: r.reason,
    detail: r.detail,
    unique_id: r.unique_id ?? null,
    raw: r.raw,
    source: "batch",
    topic: r.topic ?? null,
    partition: r.partition ?? null,
    offset: r.offset ?? null,
    object_key: r.object_key ?? null,
    line: r.line ?? null
  })
  // Either unique index (Kafka coordinates, or object + line) makes a repeat a no-op.
  const insertRows = (rows: ReadonlyArray<BatchReject>) =>
    Effect.tryPromise({
      try: () => sql`insert into pin_rejects ${sql(rows.map(rejectRow))} on conflict do nothing`,
      catch: (cause) => new AnalyticsStoreError({ operation: "write batch rejects", cause })
    }).pipe(Effect.asVoid)
  /**
   * Writes storable rejects; a chunk refused for its rows is halved until the refused row is found, which
   * is stored in its last-resort form (an outage, or a refused last-resort row, fails as before).
   */
  const insertRejects = (rows: ReadonlyArray<BatchReject>): Effect.Effect<void, AnalyticsStoreError> =>
    insertRows(rows).pipe(
      Effect.catchIf(
        (error) => isolatable(error.cause),
        (error): Effect.Effect<void, AnalyticsStoreError> => {
          const [only] = rows
          if (rows.length === 1 && only !== undefined)
            return insertRows([lastResortReject(only, messageOf(error.cause))])
          const half = rows.length >> 1
          return Effect.andThen(insertRejects(rows.slice(0, half)), insertRejects(rows.slice(half)))
        }
      )
    )

  // Taken with the lock held: a run still marked running belongs to a process that died.
  const abandonRunning = attempt(
    "mark abandoned runs",
    () => sql`update batch_runs set status = 'failed', finished_at = now(),
              error = 'abandoned: the process ended during the run' where status = 'running'`
  )
  // The embedded PGlite serves every connection from one session, where an advisory lock is re-entrant:
  // the semaphore keeps runs of this process apart, the advisory lock runs of different processes.
  const local = Semaphore.makeUnsafe(1)
  const advisory = <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | BatchRunInProgress | AnalyticsStoreError, R> =>
    Effect.acquireUseRelease(
      attempt("batch lock", () => sql.reserve()).pipe(
        Effect.flatMap((conn) =>
          attempt(
            "batch lock",
            () => conn<Array<{ locked: boolean }>>`select pg_try_advisory_lock(${runLockKey}::bigint) as locked`
          ).pipe(
            Effect.map((rows) => ({ conn, locked: rows[0]?.locked === true })),
            Effect.onError(() => Effect.sync(() => conn.release()))
          )
        )
      ),
      ({ locked }): Effect.Effect<A, E | BatchRunInProgress | AnalyticsStoreError, R> =>
        locked
          ? Effect.andThen(abandonRunning, effect)
          : Effect.fail(new BatchRunInProgress({ holder: "another process" })),
      ({ conn, locked }) =>
        (locked
          ? Effect.promise(() => conn`select pg_advisory_unlock(${runLockKey}::bigint)`.catch(() => undefined))
          : Effect.void
        ).pipe(Effect.ensuring(Effect.sync(() => conn.release())))
    )

  return {
    withRunLock: (effect) =>
      advisory(effect).pipe(
        local.withPermitsIfAvailable(1),
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.fail(new BatchRunInProgress({ holder: "this process" })),
            onSome: (a) => Effect.succeed(a)
          })
        )
      ),
    startRun: (day, startedAt) =>
      attempt(
        "record run start",
        () => sql<Array<{ id: string }>>`insert into batch_runs (day, status, started_at)
            values (${day}::date, 'running', ${startedAt}) returning id`
      ).pipe(Effect.map((rows) => Number(rows[0]?.id))),
    finishRun: (id, outcome) =>
      attempt(
        "record run end",
        () =>
          sql`update batch_runs set status = ${outcome.status}, finished_at = ${outcome.finishedAt},
              counts = ${sql.json(outcome.counts)}, error = ${outcome.error === undefined ? null : storableText(outcome.error)},
              read_through = ${outcome.readThrough ?? null} where id = ${id}`
      ).pipe(Effect.asVoid),
    runs: (limit) =>
      attempt(
        "list runs",
        () =>
          sql<Array<RunRow>>`select id, day::text as day, status, started_at, finished_at, counts, error, read_through
          from batch_runs order by id desc limit ${limit}`
      ).pipe(Effect.map((rows) => rows.map(toRun))),
    processedDays: attempt(
      "processed days",
      () =>
        sql<Array<{ day: string; read_through: Date | null }>>`select distinct on (day) day::text as day, read_through
          from batch_runs where status = 'succeeded' order by day, id desc`
    ).pipe(Effect.map((rows) => rows.map((r): ProcessedDay => ({ day: r.day, readThrough: r.read_through })))),
    firstRunDay: attempt(
      "first run day",
      () => sql<Array<{ day: string }>>`select day::text as day from batch_runs order by id limit 1`
    ).pipe(Effect.map((rows) => rows[0]?.day)),
    replaceDay: (day, aggregates) => {
      const categories = aggregates.categories.filter((c) => c.day === day)
      const tags = aggregates.tags.filter((t) => t.day === day)
      return attempt("replace daily tables", () =>
        sql.begin(async (tx) => {
          await tx`delete from daily_category_stats where day = ${day}::date`
          await tx`delete from daily_tag_counts where day = ${day}::date`
          const refused: Array<RefusedAggregate> = []
          for (const { row, error } of await insertIsolating(
            tx,
            categories,
            (t, rows) =>
              t`insert into daily_category_stats ${t(
                rows.map((c) => ({ ...c })),
                "day",
                "category",
                "pins",
                "median_follower_count",
                "downloaded_ratio",
                "images",
                "videos",
                "stories"
              )}`
          ))
            refused.push({ table: "daily_category_stats", row, error })
          for (const { row, error } of await insertIsolating(
            tx,
            tags,
            (t, rows) =>
              t`insert into daily_tag_counts (day, tag, pins)
              select ${day}::date, t.tag, t.pins
              from unnest(${t.array(rows.map((r) => r.tag))}::text[], ${t.array(rows.map((r) => r.pins))}::int[]) as t(tag, pins)`
          ))
            refused.push({ table: "daily_tag_counts", row, error })
          return refused
        })
      )
    },
    writeRejects: (rejects) =>
      Effect.forEach(
        Array.from({ length: Math.ceil(rejects.length / rejectChunk) }, (_, i) =>
          rejects.slice(i * rejectChunk, (i + 1) * rejectChunk).map(storableReject)
        ),
        (chunk) => insertRejects(chunk),
        { discard: true }
      ),
    unreadableObjects: (keys) =>
      keys.length === 0
        ? Effect.succeed(new Set<string>())
        : attempt(
            "unreadable objects",
            () =>
              sql<Array<{ object_key: string }>>`select distinct object_key from pin_rejects
                where object_key = any(${sql.array([...keys])}::text[]) and line = 0`
          ).pipe(Effect.map((rows) => new Set(rows.map((r) => r.object_key)))),
    landedPins: (day) => {
      const [start, end] = dayBounds(day)
      return attempt(
        "count landed pins",
        () =>
          sql<Array<{ n: number }>>`select count(*)::int as n from pins
          where ingested_at >= ${start}::timestamptz and ingested_at < ${end}::timestamptz`
      ).pipe(Effect.map((rows) => rows[0]?.n ?? 0))
    }
  }
}
