/**
 * The edge's HTTP server: the ingest routes over any `PinLog` (Kafka in production, the in-process log in
 * `pinflow start` and tests), and the Node server they listen on in `pinflow ingest`.
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { Config, Duration, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { IngestRoutes } from "./IngestHttp.ts"
import { IngestSettings } from "./IngestSettings.ts"

/** The Node HTTP server from `PORT` and `HOST`; in-flight requests get 10 s to finish on shutdown. */
export const NodeServerLayer = NodeHttpServer.layerConfig(() => createServer({ keepAliveTimeout: 65_000 }), {
  port: Config.Port("PORT").pipe(Config.withDefault(8000)),
  host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
  gracefulShutdownTimeout: Config.succeed(Duration.seconds(10))
}).pipe(explainListenFailure({ port: "PORT or --port", host: "HOST or --host" }))

/** The edge over any `PinLog`. */
export const IngestServer = HttpRouter.serve(IngestRoutes, { disableLogger: true }).pipe(
  Layer.provide(IngestSettings.layer)
)
