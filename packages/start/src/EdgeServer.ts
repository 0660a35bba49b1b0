/**
 * The edge's Node HTTP server for `pinflow start` (`PORT`, `HOST`, as `pinflow ingest` reads them), and
 * a watch on it: an error of the listening server, or a close nobody asked for, ends the watch with a
 * failure, so a dead edge stops the process instead of going unnoticed.
 */
import { createServer, type Server } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { Config, Duration, Effect } from "effect"

export const makeEdgeServer = () => {
  let server: Server | undefined
  const layer = NodeHttpServer.layerConfig(
    () => {
      server = createServer({ keepAliveTimeout: 65_000 })
      return server
    },
    {
      port: Config.Port("PORT").pipe(Config.withDefault(8000)),
      host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
      gracefulShutdownTimeout: Config.succeed(Duration.seconds(10))
    }
  ).pipe(explainListenFailure({ port: "PORT or --port", host: "HOST or --host" }))
  /** Fails when the server errors or closes; runs until interrupted otherwise. */
  const watch = Effect.callback<never, Error>((resume) => {
    const watched = server
    if (watched === undefined) return resume(Effect.fail(new Error("the HTTP server was never created")))
    const onError = (error: Error) => resume(Effect.fail(error))
    const onClose = () => resume(Effect.fail(new Error("the HTTP server closed")))
    watched.on("error", onError)
    watched.on("close", onClose)
    return Effect.sync(() => {
      watched.off("error", onError)
      watched.off("close", onClose)
    })
  })
  return { layer, watch, server: () => server }
}
