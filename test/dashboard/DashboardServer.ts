/**
 * The dashboard served in-process for tests: `DashboardRoutes` on an ephemeral port over `databaseUrl`,
 * with `DASHBOARD_KEY` set and the worker metrics scraped from `metricsUrls`.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Database } from "@pinflow/adapters"
import { DashboardMetrics, DashboardRoutes } from "@pinflow/dashboard"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { HttpRouter, HttpServer } from "effect/http"

export interface RunningDashboard {
  readonly baseUrl: string
  readonly close: () => Promise<void>
}

export const startDashboard = async (options: {
  readonly databaseUrl: string
  readonly key: string
  readonly metricsUrls: ReadonlyArray<string>
}): Promise<RunningDashboard> => {
  const layer = HttpRouter.serve(DashboardRoutes, { disableLogger: true }).pipe(
    Layer.provide(DashboardMetrics.layerUrls(options.metricsUrls)),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provide(Database.layer),
    Layer.provide(
      ConfigProvider.layer(
        ConfigProvider.fromUnknown({ DATABASE_URL: options.databaseUrl, DASHBOARD_KEY: options.key })
      )
    )
  )
  const runtime = ManagedRuntime.make(layer)
  const address = await runtime.runPromise(
    Effect.gen(function* () {
      return (yield* HttpServer.HttpServer).address
    })
  )
  if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  return { baseUrl: `http://127.0.0.1:${address.port}`, close: () => runtime.dispose() }
}
