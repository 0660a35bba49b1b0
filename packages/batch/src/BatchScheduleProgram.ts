/**
 * `pinflow batch schedule` (and `node packages/batch/src/main.ts`): a run on every `BATCH_CRON` time (UTC)
 * on the live services, serving `/healthz` and `/metrics` on `METRICS_PORT` (default 9465).
 */
import { LogLevelLayer } from "@pinflow/adapters"
import { MetricsServer } from "@pinflow/adapters/MetricsServer"
import { Effect, Layer } from "effect"
import { announce, bucketAtStart } from "./BatchPreflight.ts"
import { schedule, tick } from "./BatchSchedule.ts"
import { BatchServices } from "./BatchServices.ts"

/**
 * The schedule as a runtime unit over any services: a tick on every `BATCH_CRON` time (UTC), after an
 * optional catch-up at start.
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

/** The schedule on the live services, with `/healthz` and `/metrics`. */
export const BatchScheduleProgram = (options: { readonly catchUp?: boolean } = {}) =>
  Layer.mergeAll(BatchScheduleLayer(options), MetricsServer.layerConfig({ defaultPort: 9465 })).pipe(
    Layer.provide(BatchServices),
    Layer.provide(LogLevelLayer)
  )

export const runSchedule = (options: { readonly catchUp?: boolean } = {}) =>
  Layer.launch(BatchScheduleProgram(options)).pipe(Effect.annotateLogs({ service: "batch" }))
