/**
 * The dashboard's routes on a server of their own (`DASHBOARD_PORT`, default 8090; `HOST`), its metrics
 * read from the programs' `/metrics` (`DASHBOARD_METRICS`).
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { Config, Duration, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { DashboardMetrics } from "./DashboardMetrics.ts"
import { DashboardRoutes } from "./DashboardRoutes.ts"
import { DashboardSettings } from "./DashboardSettings.ts"

/** The Node HTTP server from `DASHBOARD_PORT` and `HOST`. */
export const DashboardNodeServer = NodeHttpServer.layerConfig(() => createServer({ keepAliveTimeout: 65_000 }), {
  port: Config.Port("DASHBOARD_PORT").pipe(Config.withDefault(8090)),
  host: Config.String("HOST").pipe(Config.withDefault("0.0.0.0")),
  gracefulShutdownTimeout: Config.succeed(Duration.seconds(5))
}).pipe(explainListenFailure({ port: "DASHBOARD_PORT or --port", host: "HOST" }))

const MetricsFromSettings = Layer.unwrap(
  Effect.gen(function* () {
    const { metricsUrls } = yield* DashboardSettings
    return DashboardMetrics.layerUrls(metricsUrls)
  })
).pipe(Layer.provide(DashboardSettings.layer))

const Root = HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.redirect("/dashboard", { status: 302 })))

/** The routes over a server of their own. */
export const DashboardServer = HttpRouter.serve(Layer.mergeAll(DashboardRoutes, Root), { disableLogger: true }).pipe(
  Layer.provide(MetricsFromSettings)
)
