/**
 * The batch program's side of Postgres: the daily analytics tables (`daily_category_stats`,
 * `daily_tag_counts`), the run log (`batch_runs`), its rejects (`pin_rejects` with source `batch`), the
 * reconciliation count over `pins`, and the lock that keeps two runs from overlapping.
 *
 *   const store = yield* AnalyticsStore
 *   yield* store.replaceDay("2026-11-26", aggregates)   // one transaction: the day's rows, replaced
 *
 * A day too large to aggregate in the batch's memory is staged instead (`clearStaged`, `stagePins` in
 * reading order, `aggregateStaged`): the database keeps the latest version of each pin and computes the
 * same aggregates the domain's `aggregates` would.
 */
import type { DailyAggregates, DailyCategoryStats, DailyTagCount, DatedPin, EventTypeName } from "@pinflow/domain"
import { Config, Context, Effect, Layer } from "effect"
import type { AnalyticsStoreError, BatchRunInProgress } from "./AnalyticsStore/AnalyticsStoreError.ts"
import { defaultRefreshTimeout, type InsightsRefreshed, type InsightsSnapshot } from "./AnalyticsStore/Insights.ts"
import { makeMemoryAnalytics } from "./AnalyticsStore/Memory.ts"
import { makePostgresAnalytics } from "./AnalyticsStore/Postgres.ts"
import { Database } from "./Database.ts"

export { AnalyticsStoreError, BatchRunInProgress } from "./AnalyticsStore/AnalyticsStoreError.ts"
export {
  ageGroups,
  type InsightCell,
  type InsightsRefreshed,
  type InsightsSnapshot,
  type InsightTable,
  type InsightTableName,
  insightTables
} from "./AnalyticsStore/Insights.ts"
export { isolatable, lastResortReject, storableReject, storableText } from "./AnalyticsStore/Storable.ts"

export type RunStatus = "running" | "succeeded" | "failed"

/** Numbers a run reports (events archived, objects, bytes, pins, rejects, reconciliation…). */
export type RunCounts = Readonly<Record<string, number>>

export interface BatchRun {
  readonly id: number
  readonly day: string
  readonly status: RunStatus
  readonly startedAt: Date
  readonly finishedAt: Date | null
  readonly counts: RunCounts
  readonly error: string | null
  /**
   * When the newest archive object this run's processing read was created (the object store's clock);
   * null when it read none. An object of the day created later was not read by this run.
   */
  readonly readThrough: Date | null
}

/** A day with a succeeded run, and what the latest such run read (`BatchRun.readThrough`). */
export interface ProcessedDay {
  readonly day: string
  readonly readThrough: Date | null
}

/**
 * A reject found by the batch program. Archive-time rejects carry Kafka coordinates; process-time rejects
 * carry the archive object and its 1-based line. Either makes the insert idempotent.
 */
export interface BatchReject {
  /**
   * The type of the event rejected: the archive reads every type's topic and sets it; absent = `pin` (the
   * processing step reads only the pins' archive).
   */
  readonly event_type?: EventTypeName | undefined
  readonly reason: string
  readonly detail: string
  readonly unique_id?: string | undefined
  readonly raw: string
  readonly topic?: string | undefined
  readonly partition?: number | undefined
  readonly offset?: number | undefined
  readonly object_key?: string | undefined
  readonly line?: number | undefined
}

/**
 * A clean pin of the day being processed, staged for `aggregateStaged`. `seq` is its reading order: of two
 * versions of a pin with the same `ingested_at`, the one with the larger `seq` wins (the domain's rule).
 */
export interface StagedPin extends DatedPin {
  readonly seq: number
}

/** What `aggregateStaged` found: the day's aggregates and its number of distinct pins. */
export interface StagedDay {
  readonly aggregates: DailyAggregates
  readonly pins: number
}

/** A staged pin the database refused for its content: left out of the day (never expected; see `stagePins`). */
export interface RefusedStagedPin {
  readonly pin: StagedPin
  readonly error: string
}

/** A row of the daily tables the database refused for its content; the rest of the day was stored. */
export type RefusedAggregate =
  | { readonly table: "daily_category_stats"; readonly row: DailyCategoryStats; readonly error: string }
  | { readonly table: "daily_tag_counts"; readonly row: DailyTagCount; readonly error: string }

export interface AnalyticsStoreApi {
  /**
   * Runs `effect` holding the batch lock; fails with `BatchRunInProgress` at once when it is taken. Runs
   * still marked `running` when the lock is taken belong to a process that died: they are marked failed.
   */
  readonly withRunLock: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | BatchRunInProgress | AnalyticsStoreError, R>
  /** Records a run of `day` as `running` (call it holding the lock); returns its id. */
  readonly startRun: (day: string, startedAt: Date) => Effect.Effect<number, AnalyticsStoreError>
  readonly finishRun: (
    id: number,
    outcome: {
      readonly status: "succeeded" | "failed"
      readonly finishedAt: Date
      readonly counts: RunCounts
      readonly error?: string
      /** See `BatchRun.readThrough`; absent = the run read no object. */
      readonly readThrough?: Date
    }
  ) => Effect.Effect<void, AnalyticsStoreError>
  /** The most recent runs first. */
  readonly runs: (limit: number) => Effect.Effect<ReadonlyArray<BatchRun>, AnalyticsStoreError>
  /** Every day with a succeeded run, ascending, with what its latest succeeded run read. */
  readonly processedDays: Effect.Effect<ReadonlyArray<ProcessedDay>, AnalyticsStoreError>
  /**
   * The day of the first run ever recorded (whatever its status), if any: where pinflow's nightly runs
   * began. Backfilling an earlier day later does not move it.
   */
  readonly firstRunDay: Effect.Effect<string | undefined, AnalyticsStoreError>
  /**
   * Replaces the day's rows of both daily tables in one transaction (rows of other days are ignored). A row
   * the database refuses for its content (not an outage: see `isolatable`) is left out and returned; the
   * others are stored, so one odd key never fails a day.
   */
  readonly replaceDay: (
    day: string,
    aggregates: DailyAggregates
  ) => Effect.Effect<ReadonlyArray<RefusedAggregate>, AnalyticsStoreError>
  /** Empties the staging area (call it holding the run lock, before and after staging a day). */
  readonly clearStaged: Effect.Effect<void, AnalyticsStoreError>
  /**
   * Adds pins of one day to the staging area. Text is sent in a form the database always stores (ids
   * escaped, keys already storable), so nothing is expected back; a pin refused anyway is left out and
   * returned, the others are staged.
   */
  readonly stagePins: (
    pins: ReadonlyArray<StagedPin>
  ) => Effect.Effect<ReadonlyArray<RefusedStagedPin>, AnalyticsStoreError>
  /**
   * The aggregates of the staged pins as day `day`'s (one row per category and tag, sorted like the
   * domain's `aggregates`), keeping per `unique_id` the version with the latest `ingested_ms`, then the
   * larger `seq`. Does not write the daily tables: pass the result to `replaceDay`.
   */
  readonly aggregateStaged: (day: string) => Effect.Effect<StagedDay, AnalyticsStoreError>
  /**
   * Adds rejects with source `batch`; a reject already recorded (same coordinates) is skipped. Text is made
   * storable first (`storableReject`); a row the database still refuses is stored as `lastResortReject`.
   */
  readonly writeRejects: (rejects: ReadonlyArray<BatchReject>) => Effect.Effect<void, AnalyticsStoreError>
  /**
   * Of `keys`, the archive objects recorded as unreadable (a batch reject of the whole object, at line 0):
   * retention keeps them, so what could not be read is never deleted unread.
   */
  readonly unreadableObjects: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>, AnalyticsStoreError>
  /** Rows of `pins` whose `ingested_at` falls on the UTC day: what the stream worker landed. */
  readonly landedPins: (day: string) => Effect.Effect<number, AnalyticsStoreError>
  /**
   * Replaces every `insight_*` table from `pins` ⋈ `geo_events` / `users` in one transaction (a failure
   * leaves the previous insights); the rows written per table. Rules in `AnalyticsStore/Insights.ts`.
   */
  readonly refreshInsights: Effect.Effect<InsightsRefreshed, AnalyticsStoreError>
  /** Every insight table with its rows, in a stable order (`insightTables`), and when they were refreshed. */
  readonly insights: Effect.Effect<InsightsSnapshot, AnalyticsStoreError>
}

/** Test handle of the in-memory store: what was written, and the stream's `pins` rows to reconcile with. */
export interface AnalyticsMemoryState {
  readonly days: Map<string, DailyAggregates>
  readonly runs: Array<BatchRun>
  readonly rejects: Array<BatchReject>
  /** Rows the stream worker landed per day (tests set this). */
  readonly landed: Map<string, number>
}

export class AnalyticsMemory extends Context.Service<AnalyticsMemory, AnalyticsMemoryState>()(
  "pinflow/adapters/AnalyticsMemory"
) {}

export class AnalyticsStore extends Context.Service<AnalyticsStore, AnalyticsStoreApi>()(
  "pinflow/adapters/AnalyticsStore"
) {
  /** On the shared `Database` (run the migrations first: `Migrations.layer`); `BATCH_INSIGHTS_TIMEOUT` [30 minutes]. */
  static readonly layer = Layer.effect(
    AnalyticsStore,
    Effect.gen(function* () {
      const database = yield* Database
      const insightsTimeout = yield* Config.Duration("BATCH_INSIGHTS_TIMEOUT").pipe(
        Config.withDefault(defaultRefreshTimeout)
      )
      return AnalyticsStore.of(makePostgresAnalytics(database.sql, database.embedded, insightsTimeout))
    })
  )

  /** In memory, with its state exposed as `AnalyticsMemory`. */
  static readonly layerMemory = Layer.effect(
    AnalyticsStore,
    Effect.map(AnalyticsMemory, (state) => AnalyticsStore.of(makeMemoryAnalytics(state)))
  ).pipe(
    Layer.provideMerge(
      Layer.sync(AnalyticsMemory, () => ({ days: new Map(), runs: [], rejects: [], landed: new Map() }))
    )
  )
}
