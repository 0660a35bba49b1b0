/** What the batch checks and says before it reads anything: where it reads and writes, and that both answer. */
import { KafkaClient, ObjectStore } from "@pinflow/adapters"
import { isBucketMissing } from "@pinflow/adapters/ObjectStore/Gcs"
import { Effect } from "effect"
import { BatchSettings } from "./BatchSettings.ts"

/** Logs where the run reads and writes, once, so a user sees which bucket and database are used. */
export const announce = Effect.gen(function* () {
  const store = yield* ObjectStore
  const settings = yield* BatchSettings
  yield* Effect.logInfo(`batch: topic ${settings.topic} (group ${settings.group}) -> archive ${store.location}`)
})

/**
 * Before a run reads anything: the bucket answers a listing (a missing one is named with its setting) and
 * a broker answers (the same `KAFKA_BROKERS` hint as ingest and stream, not kafkajs' retries).
 */
export const preflight = Effect.gen(function* () {
  const store = yield* ObjectStore
  yield* store.list("", { pageSize: 1 })
  const kafka = yield* KafkaClient
  yield* kafka.awaitReachable()
})

/**
 * The schedule refuses to start on a bucket that does not exist (a setting to fix); an unreachable store is
 * only a warning, since each run retries.
 */
export const bucketAtStart = Effect.gen(function* () {
  const store = yield* ObjectStore
  yield* store.list("", { pageSize: 1 }).pipe(
    Effect.catchIf(
      (error) => !isBucketMissing(error),
      (error) => Effect.logWarning(`batch: the archive does not answer yet (${error.message}); each run retries`)
    )
  )
})
