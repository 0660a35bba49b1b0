import { afterAll, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { AnalyticsStore } from "../src/AnalyticsStore.ts"
import { createSchema, dropSchema, migratedDatabase } from "./DatabaseSchema.ts"
import { stagingContract } from "./StagingContract.ts"

describeIntegration("AnalyticsStore staging on PostgreSQL", ["postgres"], (env) => {
  const schema = uniqueName("staging", "_")
  afterAll(() => dropSchema(env.databaseUrl, schema))
  const Env = AnalyticsStore.layer.pipe(
    Layer.provideMerge(
      Layer.unwrap(Effect.promise(() => createSchema(env.databaseUrl, schema)).pipe(Effect.map(migratedDatabase)))
    )
  )
  layer(Env, { timeout: 120_000 })((it) => stagingContract(it))
})
