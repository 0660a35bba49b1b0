import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Option, Ref } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import { HealthCheck, MetricsRoutes } from "../src/MetricsServer.ts"

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

  it.live("answers /healthz with 503 and the reason while the program's health check reports a problem", () =>
    Effect.gen(function* () {
      const problem = yield* Ref.make(Option.some("no offset committed for 42 s while 7 records wait"))
      const env = HttpRouter.serve(MetricsRoutes, { disableLogger: true }).pipe(
        Layer.provideMerge(NodeHttpServer.layerTest),
        Layer.provide(Layer.succeed(HealthCheck, Ref.get(problem)))
      )
      yield* Effect.gen(function* () {
        const stalled = yield* HttpClient.get("/healthz")
        assert.strictEqual(stalled.status, 503)
        assert.strictEqual(yield* stalled.text, "unhealthy: no offset committed for 42 s while 7 records wait")
        yield* Ref.set(problem, Option.none())
        const fine = yield* HttpClient.get("/healthz")
        assert.strictEqual(fine.status, 200)
        assert.strictEqual(yield* fine.text, "ok")
      }).pipe(Effect.provide(env))
    })
  )
})
