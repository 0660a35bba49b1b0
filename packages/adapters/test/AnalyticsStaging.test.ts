import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import { AnalyticsStore } from "../src/AnalyticsStore.ts"
import { EmbeddedDatabase } from "../src/EmbeddedDatabase.ts"
import { Migrations } from "../src/Migrations.ts"
import { stagingContract } from "./StagingContract.ts"

describe("AnalyticsStore staging (memory)", () => {
  layer(AnalyticsStore.layerMemory)((it) => stagingContract(it))
})

describe("AnalyticsStore staging (Postgres, embedded PGlite)", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "pinflow-staging-")), "pg")
  const Env = AnalyticsStore.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(EmbeddedDatabase.layer(dir))
  )
  layer(Env, { timeout: 120_000 })((it) => stagingContract(it))
})
