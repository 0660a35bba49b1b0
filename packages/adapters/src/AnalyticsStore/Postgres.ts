/**
 * The analytics store on Postgres (a real server or the embedded PGlite; the same SQL on both). The day's
 * tables are replaced in one transaction, so a failed run never leaves half a day behind; tags go through
 * `unnest` so a day with many tags is still one statement. Rows the server refuses for their content are
 * isolated by halving (see `Storable.ts`), so they never fail a day.
 */
import { type DailyCategoryStats, type DailyTagCount, noCategory } from "@pinflow/domain"
import { type Duration, Effect, Option, Semaphore } from "effect"
import type postgres from "postgres"
import type {
  AnalyticsStoreApi,
  BatchReject,
  BatchRun,
  ProcessedDay,
  RefusedAggregate,
  RefusedStagedPin,
  RunCounts,
  RunStatus,
  StagedPin
} from "../AnalyticsStore.ts"
import { booleanArray, nestedTextArray, numberArray, textArray } from "../PinStore/ArrayLiteral.ts"
import { AnalyticsStoreError, BatchRunInProgress } from "./AnalyticsStoreError.ts"
import { defaultRefreshTimeout, readInsights, refreshInsights } from "./Insights.ts"
import { stagedId } from "./StagedId.ts"
import { isolatable, lastResortReject, storableReject, storableText } from "./Storable.ts"

/**
 * The session advisory lock a batch run holds: "pinf" in ASCII and the schema's hash, so that runs of
 * deployments kept apart by DATABASE_SCHEMA in one database never block each other.
 */
const runLockClass = 0x70696e66
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

/** Sorted like the domain's `aggregates`: by UTF-16 code units, whatever the database's collation. */
const byText =
  <A>(key: (a: A) => string) =>
  (a: A, b: A): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0

/**
 * The aggregation of a day of many pins takes longer than an ordinary statement may (a 5M-pin sort);
 * a timeout would look like an outage (57014) and be retried for ever.
 */
const aggregateTimeout = "30min"
const aggregateWorkMem = "256MB"

/** One statement: the pins' columns as array literals (see ArrayLiteral.ts), unnested into rows. */
const stageInsert = (sql: postgres.Sql, pins: ReadonlyArray<StagedPin>) =>
  sql`insert into batch_staged_pins (seq, unique_id, ingested_ms, category, follower_count, downloaded, media_type, tags)
    select seq, unique_id, ingested_ms, category, follower_count, downloaded, media_type, tags::text[]
    from unnest(
      ${numberArray(pins, (p) => p.seq)}::bigint[], ${textArray(pins, (p) => stagedId(p.unique_id))}::text[],
      ${numberArray(pins, (p) => p.ingested_ms)}::float8[], ${textArray(pins, (p) => p.category)}::text[],
      ${numberArray(pins, (p) => p.follower_count)}::float8[], ${booleanArray(pins, (p) => p.downloaded)}::boolean[],
      ${textArray(pins, (p) => p.media_type)}::text[],
      ${nestedTextArray(pins, (p) => (p.tags.length < 2 ? p.tags : [...new Set(p.tags)]))}::text[]
    ) as t(seq, unique_id, ingested_ms, category, follower_count, downloaded, media_type, tags)`

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

/**
 * `embedded`: PGlite runs inside this process, in WebAssembly memory that never shrinks, so its
 * aggregation keeps the server's default `work_mem` (sorts spill to its files instead). `insightsTimeout`:
 * the insight refresh's statement deadline (`BATCH_INSIGHTS_TIMEOUT`).
 */
export const makePostgresAnalytics = (
  sql: postgres.Sql,
  embedded = false,
  insightsTimeout: Duration.Duration = defaultRefreshTimeout
): AnalyticsStoreApi => {
  const rejectRow = (r: BatchReject) => ({
    event_type: r.event_type ?? "pin",
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
            () =>
              conn<
                Array<{ locked: boolean }>
              >`select pg_try_advisory_lock(${runLockClass}::int, hashtext(coalesce(current_schema(), ''))) as locked`
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
          ? Effect.promise(() =>
              conn`select pg_advisory_unlock(${runLockClass}::int, hashtext(coalesce(current_schema(), '')))`.catch(
                () => undefined
              )
            )
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
    clearStaged: attempt("clear staged pins", () => sql`truncate batch_staged_pins`).pipe(Effect.asVoid),
    stagePins: (pins) => {
      // Halves a statement refused for its rows until the refused pins are found; an outage fails.
      const stage = (rows: ReadonlyArray<StagedPin>): Effect.Effect<Array<RefusedStagedPin>, AnalyticsStoreError> =>
        rows.length === 0
          ? Effect.succeed([])
          : attempt("stage pins", () => stageInsert(sql, rows)).pipe(
              Effect.as<Array<RefusedStagedPin>>([]),
              Effect.catchIf(
                (error) => isolatable(error.cause),
                (error) => {
                  const [only] = rows
                  if (rows.length === 1 && only !== undefined)
                    return Effect.succeed([{ pin: only, error: messageOf(error.cause) }])
                  const half = rows.length >> 1
                  return Effect.zipWith(stage(rows.slice(0, half)), stage(rows.slice(half)), (a, b) => [...a, ...b])
                }
              )
            )
      return stage(pins)
    },
    aggregateStaged: (day) =>
      attempt("aggregate staged pins", () =>
        sql.begin(async (tx) => {
          await tx`select set_config('statement_timeout', ${aggregateTimeout}, true)`
          // the latest-version sort of a million pins in memory rather than in temporary files (server side)
          if (!embedded) await tx`select set_config('work_mem', ${aggregateWorkMem}, true)`
          // The latest version of each pin (the domain's rule); "C" collation: only equality matters here.
          await tx`create temp table batch_latest_pins on commit drop as
            select distinct on (unique_id collate "C") coalesce(category, ${noCategory}) as category,
              follower_count, downloaded, media_type, tags
            from batch_staged_pins order by unique_id collate "C", ingested_ms desc, seq desc`
          const categories = await tx<
            Array<{
              category: string
              pins: number
              median: number | null
              downloaded_ratio: number
              images: number
              videos: number
            }>
          >`select category, count(*)::int as pins,
              percentile_cont(0.5) within group (order by follower_count) as median,
              (count(*) filter (where downloaded))::float8 / count(*) as downloaded_ratio,
              (count(*) filter (where media_type = 'image'))::int as images,
              (count(*) filter (where media_type = 'video'))::int as videos
            from batch_latest_pins group by category`
          const tags = await tx<Array<{ tag: string; pins: number }>>`select tag, count(*)::int as pins
            from batch_latest_pins, unnest(tags) as tag group by tag`
          return {
            aggregates: {
              categories: categories
                .map(
                  (c): DailyCategoryStats => ({
                    day,
                    category: c.category,
                    pins: c.pins,
                    median_follower_count: c.median,
                    downloaded_ratio: c.downloaded_ratio,
                    images: c.images,
                    videos: c.videos,
                    stories: c.pins - c.images - c.videos
                  })
                )
                .sort(byText((c) => c.category)),
              tags: tags.map((t): DailyTagCount => ({ day, tag: t.tag, pins: t.pins })).sort(byText((t) => t.tag))
            },
            pins: categories.reduce((n, c) => n + c.pins, 0)
          }
        })
      ),
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
    },
    refreshInsights: refreshInsights(sql, insightsTimeout),
    insights: readInsights(sql)
  }
}
