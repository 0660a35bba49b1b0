import { afterAll, assert, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { AnalyticsStore } from "../src/AnalyticsStore.ts"
import { Database } from "../src/Database.ts"
import { sqlState } from "../src/DatabaseFailure.ts"
import { createSchema, dropSchema, migratedDatabase } from "./DatabaseSchema.ts"
import { insightsContract, load, readSamples } from "./InsightsContract.ts"

const samples = readSamples()

describeIntegration("Insights on PostgreSQL", ["postgres"], (env) => {
  if (samples === undefined) return it.skip("sample data not found (the shared/ folder beside the checkout)")
  const schema = uniqueName("insights", "_")
  afterAll(() => dropSchema(env.databaseUrl, schema))
  const database = Layer.unwrap(
    Effect.promise(() => createSchema(env.databaseUrl, schema)).pipe(Effect.map(migratedDatabase))
  )
  layer(AnalyticsStore.layer.pipe(Layer.provideMerge(database)), { timeout: 120_000 })((it) =>
    insightsContract(it, samples)
  )

  const timeoutSchema = uniqueName("insights_timeout", "_")
  afterAll(() => dropSchema(env.databaseUrl, timeoutSchema))
  const tinyDeadline = AnalyticsStore.layer.pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ BATCH_INSIGHTS_TIMEOUT: "1 millis" }))),
    Layer.provideMerge(
      Layer.unwrap(
        Effect.promise(() => createSchema(env.databaseUrl, timeoutSchema)).pipe(Effect.map(migratedDatabase))
      )
    )
  )
  layer(tinyDeadline, { timeout: 120_000 })((it) => {
    it.effect("BATCH_INSIGHTS_TIMEOUT is the refresh's statement deadline", () =>
      Effect.gen(function* () {
        const { sql } = yield* Database
        yield* load(sql, samples)
        const error = yield* Effect.flip((yield* AnalyticsStore).refreshInsights)
        // 57014: query_canceled, the statement timeout
        assert.strictEqual(sqlState(error.cause), "57014")
      })
    )
  })
})
