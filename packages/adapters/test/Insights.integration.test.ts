import { afterAll, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { AnalyticsStore } from "../src/AnalyticsStore.ts"
import { createSchema, dropSchema, migratedDatabase } from "./DatabaseSchema.ts"
import { insightsContract, readSamples } from "./InsightsContract.ts"

const samples = readSamples()

describeIntegration("Insights on PostgreSQL", ["postgres"], (env) => {
  if (samples === undefined) return it.skip("sample data not found (the shared/ folder beside the checkout)")
  const schema = uniqueName("insights", "_")
  afterAll(() => dropSchema(env.databaseUrl, schema))
  const Env = AnalyticsStore.layer.pipe(
    Layer.provideMerge(
      Layer.unwrap(Effect.promise(() => createSchema(env.databaseUrl, schema)).pipe(Effect.map(migratedDatabase)))
    )
  )
  layer(Env, { timeout: 120_000 })((it) => insightsContract(it, samples))
})
