/**
 * The batch program's wiring. Live services: the `pins` topic through kafkajs (`KAFKA_BROKERS`), the
 * archive on GCS (`GCS_BUCKET`, `GCS_ENDPOINT`) or, without a bucket, the local folder `$PINFLOW_HOME/bucket`,
 * and Postgres (`DATABASE_URL`, migrated at start). `pinflow batch run` runs `runBatch`;
 * `pinflow batch schedule` (and `node packages/batch/src/main.ts`) launch `BatchScheduleMain`, which also
 * serves `/healthz` and `/metrics` on `METRICS_PORT` (default 9465).
 */
import {
  AnalyticsStore,
  Database,
  KafkaClient,
  LogLevelLayer,
  Migrations,
  ObjectStore,
  PinSource,
  runProgram
} from "@pinflow/adapters"
import { MetricsServer } from "@pinflow/adapters/MetricsServer"
import { isBucketMissing } from "@pinflow/adapters/ObjectStore/Gcs"
import { Effect, Layer } from "effect"
import { runDay } from "./BatchRun.ts"
import { missedDays, runDays, schedule, tick } from "./BatchSchedule.ts"
import { BatchSettings } from "./BatchSettings.ts"
import { yesterday } from "./Days.ts"

/** Everything a run needs, from the environment. */
export const BatchServices = Layer.mergeAll(
  PinSource.layer.pipe(Layer.provideMerge(KafkaClient.layerConfig({ clientId: "pinflow-batch" }))),
  ObjectStore.layer,
  AnalyticsStore.layer.pipe(Layer.provide(Migrations.layer)),
  BatchSettings.layer
).pipe(Layer.provide(Database.layer))

/** Logs where the run reads and writes, once, so a user sees which bucket and database are used. */
const announce = Effect.gen(function* () {
  const store = yield* ObjectStore
  const settings = yield* BatchSettings
  yield* Effect.logInfo(`batch: topic ${settings.topic} (group ${settings.group}) -> archive ${store.location}`)
})

export interface RunOptions {
  /** The day to run (YYYY-MM-DD); default yesterday (UTC). */
  readonly date?: string
  /** Also run every missed day: those of the catch-up window without a succeeded run (`missedDays`). */
  readonly catchUp?: boolean
}

/**
 * Before a run reads anything: the bucket answers a listing (a missing one is named with its setting) and
 * a broker answers (the same `KAFKA_BROKERS` hint as ingest and stream, not kafkajs' retries).
 */
const preflight = Effect.gen(function* () {
  const store = yield* ObjectStore
  yield* store.list("", { pageSize: 1 })
  const kafka = yield* KafkaClient
  yield* kafka.awaitReachable()
})

/**
 * The schedule refuses to start on a bucket that does not exist (a setting to fix); an unreachable store is
 * only a warning, since each run retries.
 */
const bucketAtStart = Effect.gen(function* () {
  const store = yield* ObjectStore
  yield* store.list("", { pageSize: 1 }).pipe(
    Effect.catchIf(
      (error) => !isBucketMissing(error),
      (error) => Effect.logWarning(`batch: the archive does not answer yet (${error.message}); each run retries`)
    )
  )
})

/** `batch run`: the given day (or yesterday), or the missed days; no retries (the caller sees the error). */
export const runOnce = (options: RunOptions) =>
  Effect.gen(function* () {
    yield* announce
    yield* preflight
    if (options.catchUp === true) {
      const missed = yield* missedDays
      const days = [...new Set([...missed, ...(options.date === undefined ? [] : [options.date])])].sort()
      if (days.length === 0) return yield* Effect.logInfo("batch: no missed days; nothing to catch up")
      const result = yield* runDays(days)
      if (result.failed > 0) return yield* Effect.fail(new Error(`${result.failed} of ${result.days} days failed`))
      return
    }
    if (options.date !== undefined) return yield* runDay(options.date)
    const day = yield* yesterday
    const summary = yield* runDay(day)
    // A first try right after producing events finds none: they belong to today, which a plain run skips.
    if (summary.process.events === 0)
      yield* Effect.logInfo(
        `batch: no events of ${day} (yesterday, UTC); events of today are processed by \`pinflow batch run --date $(date -u +%F)\``
      )
  })

export const runBatch = (options: RunOptions) =>
  runOnce(options).pipe(
    Effect.provide(BatchServices),
    Effect.provide(LogLevelLayer),
    Effect.annotateLogs({ service: "batch" })
  )

/**
 * The schedule as a runtime unit over any services (`pinflow start` provides embedded ones): a tick on
 * every `BATCH_CRON` time (UTC), after an optional catch-up at start.
 */
export const BatchScheduleLayer = (options: { readonly catchUp?: boolean } = {}) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      yield* announce
      yield* bucketAtStart
      yield* Effect.forkScoped(
        Effect.gen(function* () {
          if (options.catchUp === true) yield* tick
          return yield* schedule
        })
      )
    })
  )

/** `batch schedule`: the schedule on the live services, with `/healthz` and `/metrics`. */
export const BatchScheduleMain = (options: { readonly catchUp?: boolean } = {}) =>
  Layer.mergeAll(BatchScheduleLayer(options), MetricsServer.layerConfig({ defaultPort: 9465 })).pipe(
    Layer.provide(BatchServices),
    Layer.provide(LogLevelLayer)
  )

export const runSchedule = (options: { readonly catchUp?: boolean } = {}) =>
  Layer.launch(BatchScheduleMain(options)).pipe(Effect.annotateLogs({ service: "batch" }))

// SIGTERM/SIGINT end the schedule by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runSchedule())
