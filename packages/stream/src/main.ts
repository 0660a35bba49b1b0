/**
 * The stream program's wiring: the worker over Kafka (`PinSource.layer`, group `STREAM_GROUP`) and
 * Postgres (`PinStore.layer`, migrations run first), the `/healthz` + `/metrics` server on `METRICS_PORT`
 * (9464), JSON logs at `LOG_LEVEL`. `pinflow stream` runs `runStream`; so does `node packages/stream/src/main.ts`.
 */
import { NodeRuntime } from "@effect/platform-node"
import {
  Database,
  ensureTopics,
  KafkaClient,
  MetricsServer,
  Migrations,
  PinSource,
  PinStore,
  PinsTopics
} from "@pinflow/adapters"
import { Config, Effect, Exit, Layer, Logger, References } from "effect"
import { StreamSettings } from "./StreamSettings.ts"
import { streamWorker } from "./StreamWorker.ts"

const LogLevelLayer = Layer.effect(
  References.MinimumLogLevel,
  Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info"))
)

/** Topics exist before the group subscribes (the broker does not auto-create them). */
const TopicsLayer = Layer.effectDiscard(
  Effect.gen(function* () {
    const client = yield* KafkaClient
    yield* client.awaitReachable()
    const topics = yield* PinsTopics
    yield* ensureTopics([topics.pins, topics.rejected], topics)
  })
)

const KafkaLayer = Layer.merge(PinSource.layer, TopicsLayer).pipe(
  Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-stream" }))
)

/** Postgres, migrated before anything writes. */
const StoreLayer = PinStore.layer.pipe(Layer.provideMerge(Migrations.layer), Layer.provide(Database.layer))

export const StreamLayers = Layer.mergeAll(
  KafkaLayer,
  StoreLayer,
  StreamSettings.layer,
  MetricsServer.layerConfig({ defaultPort: 9464 })
)

/** `pinflow stream`: runs until SIGTERM/SIGINT, then finishes the batches in flight and exits. */
export const runStream = streamWorker.pipe(
  Effect.provide(StreamLayers),
  Effect.annotateLogs({ service: "stream" }),
  Effect.provide(Layer.mergeAll(Logger.layer([Logger.consoleJson]), LogLevelLayer))
)

/** Exit 0 after a graceful stop (interruption only), 1 on failure. */
export const teardown = (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void): void =>
  onExit(Exit.isSuccess(exit) || (Exit.hasInterrupts(exit) && !Exit.hasFails(exit) && !Exit.hasDies(exit)) ? 0 : 1)

if (import.meta.main) NodeRuntime.runMain(runStream, { teardown })
