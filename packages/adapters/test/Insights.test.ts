import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it, layer } from "@effect/vitest"
import { Layer } from "effect"
import { AnalyticsStore } from "../src/AnalyticsStore.ts"
import { EmbeddedDatabase } from "../src/EmbeddedDatabase.ts"
import { Migrations } from "../src/Migrations.ts"
import { insightsContract, readSamples } from "./InsightsContract.ts"

const samples = readSamples()

describe("Insights (Postgres, embedded PGlite)", () => {
  if (samples === undefined) return it.skip("sample data not found (the shared/ folder beside the checkout)")
  const dir = join(mkdtempSync(join(tmpdir(), "pinflow-insights-")), "pg")
  const Env = AnalyticsStore.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(EmbeddedDatabase.layer(dir))
  )
  layer(Env, { timeout: 120_000 })((it) => insightsContract(it, samples))
})
