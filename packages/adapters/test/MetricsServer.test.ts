import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import { MetricsRoutes } from "../src/MetricsServer.ts"

const Env = HttpRouter.serve(MetricsRoutes, { disableLogger: true }).pipe(Layer.provideMerge(NodeHttpServer.layerTest))

describe("MetricsServer routes", () => {
  it.live("answers /healthz and serves every Effect metric on /metrics", () =>
    Effect.gen(function* () {
      yield* Metric.update(Metric.counter("pinflow_test_metrics_server_total"), 3)
      const health = yield* HttpClient.get("/healthz")
      assert.strictEqual(health.status, 200)
      assert.strictEqual(yield* health.text, "ok")
      const metrics = yield* HttpClient.get("/metrics")
      assert.strictEqual(metrics.status, 200)
      assert.include(yield* metrics.text, "pinflow_test_metrics_server_total 3")
    }).pipe(Effect.provide(Env))
  )
})
