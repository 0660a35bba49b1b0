/** The analytics store in memory, for tests: the state is the `AnalyticsMemory` handle tests read. */
import { accumulate, aggregates, emptyAccumulator } from "@pinflow/domain"
import { Effect, Option, Semaphore } from "effect"
import type {
  AnalyticsMemoryState,
  AnalyticsStoreApi,
  BatchReject,
  BatchRun,
  ProcessedDay,
  RefusedAggregate,
  StagedPin
} from "../AnalyticsStore.ts"
import { BatchRunInProgress } from "./AnalyticsStoreError.ts"
import { type InsightsRefreshed, insightTables } from "./Insights.ts"
import { storableReject } from "./Storable.ts"

/** The key that makes a reject unique, as the Postgres unique indexes do; undefined = never a duplicate. */
const rejectKey = (r: BatchReject): string | undefined =>
  r.object_key !== undefined && r.line !== undefined
    ? `object\u0000${r.object_key}\u0000${r.line}`
    : r.topic !== undefined && r.partition !== undefined && r.offset !== undefined
      ? `message\u0000${r.topic}\u0000${r.partition}\u0000${r.offset}`
      : undefined

/** Postgres's btree limit on an index entry (a third of a page): a longer key is refused (54000). */
const maxKeyBytes = 2704

/**
 * The rows Postgres would store, in order and as it stores them (lone surrogates as U+FFFD); `refuse` gets the others, as the real store reports them: a key
 * with NUL (22021), too long for the primary key (54000), or equal to an earlier one once lone surrogates
 * are sent as U+FFFD (23505).
 */
const keepStorable = <Row>(
  rows: ReadonlyArray<Row>,
  key: (row: Row) => string,
  withKey: (row: Row, key: string) => Row,
  refuse: (row: Row, error: string) => void
): Array<Row> => {
  const seen = new Set<string>()
  const kept = rows.filter((row) => {
    const text = key(row)
    const stored = text.toWellFormed()
    const error = text.includes("\u0000")
      ? 'invalid byte sequence for encoding "UTF8": 0x00'
      : Buffer.byteLength(stored, "utf8") > maxKeyBytes
        ? "index row size exceeds btree maximum"
        : seen.has(stored)
          ? "duplicate key value violates unique constraint"
          : undefined
    if (error !== undefined) refuse(row, error)
    else seen.add(stored)
    return error === undefined
  })
  return kept.map((row) => withKey(row, key(row).toWellFormed()))
}

export const makeMemoryAnalytics = (state: AnalyticsMemoryState): AnalyticsStoreApi => {
  const lock = Semaphore.makeUnsafe(1)
  const seen = new Set<string>()
  let staged: Array<StagedPin> = []
  const abandonRunning = Effect.clockWith((clock) =>
    Effect.sync(() => {
      const now = new Date(clock.currentTimeMillisUnsafe())
      for (const [i, run] of state.runs.entries())
        if (run.status === "running")
          state.runs[i] = {
            ...run,
            status: "failed",
            finishedAt: now,
            error: "abandoned: the process ended during the run"
          }
    })
  )
  return {
    withRunLock: (effect) =>
      Effect.andThen(abandonRunning, effect).pipe(
        lock.withPermitsIfAvailable(1),
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.fail(new BatchRunInProgress({ holder: "this process" })),
            onSome: (a) => Effect.succeed(a)
          })
        )
      ),
    startRun: (day, startedAt) =>
      Effect.sync(() => {
        const id = state.runs.length + 1
        state.runs.push({
          id,
          day,
          status: "running",
          startedAt,
          finishedAt: null,
          counts: {},
          error: null,
          readThrough: null
        })
        return id
      }),
    finishRun: (id, outcome) =>
      Effect.sync(() => {
        const i = state.runs.findIndex((r) => r.id === id)
        const run = state.runs[i]
        if (run === undefined) return
        state.runs[i] = {
          ...run,
          status: outcome.status,
          finishedAt: outcome.finishedAt,
          counts: outcome.counts,
          error: outcome.error ?? null,
          readThrough: outcome.readThrough ?? null
        }
      }),
    runs: (limit) => Effect.sync((): ReadonlyArray<BatchRun> => [...state.runs].reverse().slice(0, limit)),
    processedDays: Effect.sync(() => {
      const latest = new Map<string, BatchRun>()
      for (const run of state.runs) if (run.status === "succeeded") latest.set(run.day, run)
      return [...latest.values()]
        .map((run): ProcessedDay => ({ day: run.day, readThrough: run.readThrough }))
        .sort((a, b) => a.day.localeCompare(b.day))
    }),
    firstRunDay: Effect.sync(() => state.runs[0]?.day),
    replaceDay: (day, aggregates) =>
      Effect.sync(() => {
        const refused: Array<RefusedAggregate> = []
        const categories = keepStorable(
          aggregates.categories.filter((c) => c.day === day),
          (c) => c.category,
          (c, category) => ({ ...c, category }),
          (row, error) => refused.push({ table: "daily_category_stats", row, error })
        )
        const tags = keepStorable(
          aggregates.tags.filter((t) => t.day === day),
          (t) => t.tag,
          (t, tag) => ({ ...t, tag }),
          (row, error) => refused.push({ table: "daily_tag_counts", row, error })
        )
        state.days.set(day, { categories, tags })
        return refused
      }),
    clearStaged: Effect.sync(() => {
      staged = []
    }),
    stagePins: (pins) =>
      Effect.sync(() => {
        for (const pin of pins) staged.push(pin)
        return []
      }),
    // The domain's accumulator over the staged pins in reading order: what the database must match.
    aggregateStaged: (day) =>
      Effect.sync(() => {
        const accumulator = emptyAccumulator()
        for (const pin of [...staged].sort((a, b) => a.seq - b.seq)) accumulate(accumulator, { ...pin, day })
        return { aggregates: aggregates(accumulator), pins: accumulator.latest.size }
      }),
    writeRejects: (rejects) =>
      Effect.sync(() => {
        for (const reject of rejects.map(storableReject)) {
          const key = rejectKey(reject)
          if (key !== undefined && seen.has(key)) continue
          if (key !== undefined) seen.add(key)
          state.rejects.push(reject)
        }
      }),
    unreadableObjects: (keys) =>
      Effect.sync(() => {
        const wanted = new Set(keys)
        return new Set(
          state.rejects.flatMap((r) =>
            r.line === 0 && r.object_key !== undefined && wanted.has(r.object_key) ? [r.object_key] : []
          )
        )
      }),
    landedPins: (day) => Effect.sync(() => state.landed.get(day) ?? 0),
    // this store holds no pins, geo events or users to join: every insight table is empty
    refreshInsights: Effect.succeed(
      Object.fromEntries(insightTables.map((t) => [t.table, 0])) as unknown as InsightsRefreshed
    ),
    insights: Effect.succeed({ refreshedAt: null, tables: insightTables.map((t) => ({ ...t, rows: [] })) })
  }
}
