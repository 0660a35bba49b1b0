/**
 * The whole pipeline on its in-memory Layers, as one property (see PipelineCase.ts): on the in-process
 * log, and on the durable embedded log of `pinflow start` (small segments, a fresh folder per case).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AnalyticsStore, InMemoryLog, PinStore } from "@pinflow/adapters"
import { EmbeddedLog } from "@pinflow/adapters/EmbeddedLog"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { describe, it } from "vitest"
import { PipelineEnv, runCase, storedInMemory } from "./PipelineCase.ts"
import { cases, outOfRangeInstants } from "./Requests.ts"

interface FreshLog {
  readonly layer: Layer.Layer<InMemoryLog, unknown>
  readonly done: () => void
}

const logs: ReadonlyArray<{ readonly name: string; readonly runs: number; readonly fresh: () => FreshLog }> = [
  {
    name: "the in-process log",
    runs: 120,
    fresh: () => ({ layer: InMemoryLog.layerPartitions(2), done: () => undefined })
  },
  {
    name: "the durable embedded log",
    runs: 40,
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), "pinflow-pipeline-"))
      return {
        // small segments so cases roll them; a group that never commits keeps every record readable here
        layer: EmbeddedLog.layer(join(dir, "log"), {
          defaultPartitions: 2,
          segmentBytes: 16 * 1024,
          readBytes: 8 * 1024,
          retainFor: () => ["pipeline-test-reader"]
        }),
        done: () => rmSync(dir, { recursive: true, force: true })
      }
    }
  }
]

const memoryStores = Layer.mergeAll(PinStore.layerMemory, AnalyticsStore.layerMemory)

describe("the whole pipeline on in-memory Layers", () => {
  it("a logged time outside years 0001-9999 is one reject in the stream and in the batch, never a day of its own", async () => {
    await Effect.runPromise(
      runCase(outOfRangeInstants, PipelineEnv(InMemoryLog.layerPartitions(2), memoryStores), storedInMemory)
    )
  })

  for (const log of logs)
    it(`on ${log.name}: no request stops, stalls or corrupts a stage; every accepted event ends as one row or one reject`, async () => {
      await fc.assert(
        fc.asyncProperty(cases, async (generated) => {
          const fresh = log.fresh()
          try {
            await Effect.runPromise(runCase(generated, PipelineEnv(fresh.layer, memoryStores), storedInMemory))
          } finally {
            fresh.done()
          }
        }),
        {
          numRuns: Number(process.env.PIPELINE_RUNS ?? log.runs),
          seed: Number(process.env.PIPELINE_SEED ?? 20261201),
          interruptAfterTimeLimit: 20_000,
          markInterruptAsFailure: false
        }
      )
    }, 40_000)
})
