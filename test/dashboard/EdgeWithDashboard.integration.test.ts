/**
 * The dashboard merged into the ingest edge's router, as `pinflow start` is to serve it: one server
 * answers `/pin/`, `/openapi.json`, `/dashboard`, its assets and `/api/` (the edge's catch-all 404 does not
 * shadow them), with worker figures from the process's own metrics registry.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, PinLog, runMigrations } from "@pinflow/adapters"
import { DashboardRoutesInProcess } from "@pinflow/dashboard"
import { IngestRoutes } from "@pinflow/ingest/IngestHttp"
import { IngestSettings } from "@pinflow/ingest/IngestSettings"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { afterAll, assert, beforeAll, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { describeIntegration, uniqueName } from "../support/integration.ts"

describeIntegration("dashboard merged into the edge", ["postgres"], (env) => {
  const schema = uniqueName("dash_edge")
  let baseUrl = ""
  let dispose: () => Promise<void> = async () => undefined

  beforeAll(async () => {
    const url = await createSchema(env.databaseUrl, schema)
    const config = ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url }))
    const layer = HttpRouter.serve(Layer.mergeAll(IngestRoutes, DashboardRoutesInProcess), {
      disableLogger: true
    }).pipe(
      Layer.provide(IngestSettings.layer),
      Layer.provide(PinLog.layerMemory),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide(Database.layer),
      Layer.provide(config)
    )
    const runtime = ManagedRuntime.make(layer)
    dispose = () => runtime.dispose()
    await Effect.runPromise(runMigrations().pipe(Effect.provide(Database.layer), Effect.provide(config)))
    const address = await runtime.runPromise(
      Effect.gen(function* () {
        return (yield* HttpServer.HttpServer).address
      })
    )
    if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
    baseUrl = `http://127.0.0.1:${address.port}`
  })

  afterAll(async () => {
    await dispose()
    await dropSchema(env.databaseUrl, schema)
  })

  it("one server answers the edge's and the dashboard's routes", async () => {
    const status = async (path: string) => (await fetch(`${baseUrl}${path}`)).status
    assert.strictEqual(await status("/dashboard"), 200)
    assert.strictEqual(await status("/dashboard/assets/app.js"), 200)
    assert.strictEqual(await status("/dashboard/assets/uPlot.iife.min.js"), 200)
    assert.strictEqual(await status("/dashboard/assets/package.json"), 404)
    assert.strictEqual(await status("/api/overview"), 200)
    assert.strictEqual(await status("/api/openapi.json"), 200)
    assert.strictEqual(await status("/openapi.json"), 200)
    assert.strictEqual(await status("/healthz"), 200)
    assert.strictEqual(await status("/no-such-path"), 404)
    const metrics = (await (await fetch(`${baseUrl}/api/metrics`)).json()) as {
      sources: Array<{ url: string; ok: boolean; error: string | null }>
    }
    assert.deepStrictEqual(metrics.sources, [{ url: "this process", ok: true, error: null }])
  })
})
