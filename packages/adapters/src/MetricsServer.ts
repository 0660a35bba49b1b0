/**
 * The small HTTP server of the programs without an API of their own (stream, batch): `GET /healthz`
 * (200 "ok" while the process runs and its `HealthCheck` finds nothing wrong; 503 with the reason
 * otherwise) and `GET /metrics` (Prometheus text of every Effect metric).
 * Port from `METRICS_PORT` (each program passes its default: 9464 stream, 9465 batch; 0 picks a free one),
 * host from `METRICS_HOST` (default 0.0.0.0, so a scraper can reach it).
 *
 *   Layer.launch(Worker.pipe(Layer.merge(MetricsServer.layerConfig({ defaultPort: 9464 }))))
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Config, Context, Duration, Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { explainListenFailure } from "./ListenError.ts"

export interface MetricsServerOptions {
  /** Used when `METRICS_PORT` is unset. */
  readonly defaultPort: number
}

/**
 * What `/healthz` asks: `Some(reason)` when the program is alive but not doing its job (e.g. a stalled
 * stream worker), `None` when all is well. Must answer from state in memory: probes are frequent. By
 * default nothing is wrong; a program provides its own (`Layer.succeed(HealthCheck, …)`).
 */
export const HealthCheck = Context.Reference<Effect.Effect<Option.Option<string>>>("pinflow/adapters/HealthCheck", {
  defaultValue: () => Effect.succeedNone
})

const health = Effect.gen(function* () {
  const check = yield* HealthCheck
  const problem = yield* check
  return Option.match(problem, {
    onNone: () => HttpServerResponse.text("ok"),
    onSome: (reason) => HttpServerResponse.text(`unhealthy: ${reason}`, { status: 503 })
  })
})

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/healthz", health),
  PrometheusMetrics.layerHttp({ path: "/metrics" })
)

/** The routes on a given server: what `layerConfig` runs, and what tests serve on `NodeHttpServer.layerTest`. */
export const MetricsRoutes = Routes

export const MetricsServer = {
  /** Serves `/healthz` and `/metrics` until the scope closes; logs its address once listening. */
  layerConfig: (options: MetricsServerOptions) =>
    Layer.mergeAll(
      HttpRouter.serve(Routes, { disableLogger: true }),
      Layer.effectDiscard(
        HttpServer.addressFormattedWith((address) =>
          Effect.logInfo("metrics server listening").pipe(Effect.annotateLogs({ metrics: `${address}/metrics` }))
        )
      )
    ).pipe(
      Layer.provide(
        NodeHttpServer.layerConfig(() => createServer(), {
          port: Config.Int("METRICS_PORT").pipe(Config.withDefault(options.defaultPort)),
          host: Config.String("METRICS_HOST").pipe(Config.withDefault("0.0.0.0")),
          gracefulShutdownTimeout: Config.succeed(Duration.seconds(1))
        }).pipe(explainListenFailure({ port: "METRICS_PORT (0: any free port)", host: "METRICS_HOST" }))
      )
    )
}
