/**
 * The edge's HTTP server: the ingest routes over any `PinLog` (Kafka in production, the in-process log in
 * `pinflow start` and tests), and the Node server they listen on in `pinflow ingest`.
 */
import { type IncomingMessage, Server, type ServerResponse } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { Config, Duration, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { IngestRoutes } from "./IngestHttp.ts"
import { IngestSettings } from "./IngestSettings.ts"

/**
 * The Node server, closing keep-alive connections as shutdown proceeds. Node's `close` stops listening and
 * closes the connections idle at that moment only, so a busy one would hold the edge for the whole grace
 * period: once closing, every answer says `Connection: close` (a client that keeps a connection busy
 * moves on to another replica), and connections that go idle later are closed as they do.
 */
class EdgeServer extends Server {
  constructor() {
    super({ keepAliveTimeout: 65_000 })
    this.prependListener("request", (_request: IncomingMessage, response: ServerResponse) => {
      if (!this.listening) response.setHeader("connection", "close")
    })
  }

  override close(callback?: (error?: Error) => void): this {
    const sweep = setInterval(() => this.closeIdleConnections(), 50)
    return super.close((error) => {
      clearInterval(sweep)
      callback?.(error)
    })
  }
}

/** The Node HTTP server from `PORT` and `HOST`; in-flight requests get 10 s to finish on shutdown. */
export const NodeServerLayer = NodeHttpServer.layerConfig(() => new EdgeServer(), {
  port: Config.Port("PORT").pipe(Config.withDefault(8000)),
  host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
  gracefulShutdownTimeout: Config.succeed(Duration.seconds(10))
}).pipe(explainListenFailure({ port: "PORT or --port", host: "HOST or --host" }))

/** The edge over any `PinLog`. */
export const IngestServer = HttpRouter.serve(IngestRoutes, { disableLogger: true }).pipe(
  Layer.provide(IngestSettings.layer)
)
