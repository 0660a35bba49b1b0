/**
 * The stream program: the worker over Kafka (`PinSource.layer`, group `STREAM_GROUP`) and Postgres
 * (`PinStore.layer`, migrations run first), the `/healthz` + `/metrics` server on `METRICS_PORT` (9464), logs
 * at `LOG_LEVEL` in `LOG_FORMAT`. `pinflow stream` runs `runStream`; so does `node packages/stream/src/main.ts`.
 */
import {
  Database,
  KafkaClient,
  LogLevelLayer,
  MetricsServer,
  Migrations,
  PinSource,
  PinStore,
  PinsTopicsLayer
} from "@pinflow/adapters"
import { Effect, Layer } from "effect"
import { layerHealthCheck, layerStreamHealth } from "./StreamHealth.ts"
import { StreamSettings } from "./StreamSettings.ts"
import { streamWorker } from "./StreamWorker.ts"

/** The source, once its topics exist (the broker does not auto-create them). */
const KafkaLayer = Layer.merge(PinSource.layer, PinsTopicsLayer).pipe(
  Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-stream" }))
)

/** Postgres, migrated before anything writes. */
const StoreLayer = PinStore.layer.pipe(Layer.provideMerge(Migrations.layer), Layer.provide(Database.layer))

/** `/healthz` answers 503 when the worker stalls: the server and the worker share one `StreamHealth`. */
export const StreamLayers = Layer.mergeAll(
  KafkaLayer,
  StoreLayer,
  MetricsServer.layerConfig({ defaultPort: 9464 }).pipe(Layer.provide(layerHealthCheck))
).pipe(Layer.provideMerge(Layer.merge(StreamSettings.layer, layerStreamHealth)))

/** Runs until SIGTERM/SIGINT, then finishes the batches in flight and exits. */
export const runStream = streamWorker.pipe(
  Effect.provide(StreamLayers),
  Effect.annotateLogs({ service: "stream" }),
  Effect.provide(LogLevelLayer)
)
