/**
 * The ingest program's wiring: the HTTP edge on `HOST`:`PORT` (default 0.0.0.0:8000) over the kafkajs
 * PinLog. `pinflow ingest` launches `IngestMain`; `node packages/ingest/src/main.ts` does the same.
 * On SIGTERM the server stops accepting, finishes in-flight requests, the log flushes, the process exits 0.
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { KafkaClient, LogLevelLayer, PinLog, runProgram } from "@pinflow/adapters"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { Config, Duration, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { IngestRoutes } from "./IngestHttp.ts"
import { IngestSettings } from "./IngestSettings.ts"

/** The Node HTTP server from `PORT` and `HOST`; in-flight requests get 10 s to finish on shutdown. */
export const NodeServerLayer = NodeHttpServer.layerConfig(() => createServer({ keepAliveTimeout: 65_000 }), {
  port: Config.Port("PORT").pipe(Config.withDefault(8000)),
  host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
  gracefulShutdownTimeout: Config.succeed(Duration.seconds(10))
}).pipe(explainListenFailure({ port: "PORT or --port", host: "HOST or --host" }))

/** The edge over any `PinLog` (Kafka in production, the in-process log in `pinflow start` and tests). */
export const IngestServer = HttpRouter.serve(IngestRoutes, { disableLogger: true }).pipe(
  Layer.provide(IngestSettings.layer)
)

/** `pinflow ingest`: the edge, the Kafka log and the shared client. */
export const IngestMain = IngestServer.pipe(
  Layer.provide(NodeServerLayer),
  Layer.provide(PinLog.layer),
  Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-ingest" })),
  Layer.provide(LogLevelLayer)
)

export const runIngest = Layer.launch(IngestMain).pipe(Effect.annotateLogs({ service: "ingest" }))

// SIGTERM/SIGINT end the program by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runIngest)
