/**
 * `pinflow dashboard`: the dashboard on its own port (`DASHBOARD_PORT`, default 8090; `HOST`) over
 * `DATABASE_URL` (a read-only role is enough) and the programs' `/metrics` (`DASHBOARD_METRICS`).
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Database } from "@pinflow/adapters/Database"
import { explainListenFailure } from "@pinflow/adapters/ListenError"
import { LogLevelLayer, runProgram } from "@pinflow/adapters/ProgramRuntime"
import { Config, Duration, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { DashboardMetrics } from "./DashboardMetrics.ts"
import { DashboardRoutes } from "./DashboardRoutes.ts"
import { DashboardSettings } from "./DashboardSettings.ts"

const ServerLayer = NodeHttpServer.layerConfig(() => createServer({ keepAliveTimeout: 65_000 }), {
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

export const DashboardMain = DashboardServer.pipe(
  Layer.provide(ServerLayer),
  Layer.provide(Database.layerConfig({ max: 4, statementTimeout: Duration.seconds(5) })),
  Layer.provide(LogLevelLayer)
)

export const runDashboard = Layer.launch(DashboardMain).pipe(Effect.annotateLogs({ service: "dashboard" }))

// SIGTERM/SIGINT end the program by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runDashboard)
