// The README's and design's metric names, as `/metrics` renders them after runs.
import { assert, describe, it } from "@effect/vitest"
import { AnalyticsMemory } from "@pinflow/adapters"
import { Effect } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { TestClock } from "effect/testing"
import { runDay } from "../src/BatchRun.ts"
import { D, env, event, type Faults, faultyStore, seedEvents } from "./fixtures.ts"

/** The sample lines of the batch program's metrics, without HELP/TYPE comments. */
const batchSamples = Effect.map(PrometheusMetrics.format(), (text) =>
  text
    .split("\n")
    .filter(
      (line) => line.startsWith("pinflow_batch_runs_total") || line.startsWith("pinflow_batch_reconciliation_gap")
    )
    .sort()
)

describe("batch metrics", () => {
  const faults: Faults = { put: 0, list: 0 }
  it.effect(
    "pinflow_batch_runs_total{status} counts runs by outcome; pinflow_batch_reconciliation_gap is the last gap",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-11-27T00:00:05Z"))
        yield* seedEvents(Array.from({ length: 5 }, (_, i) => event(i, `${D}T12:00:00.000Z`)))
        const memory = yield* AnalyticsMemory
        memory.landed.set(D, 2)
        faults.put = 1
        yield* runDay(D).pipe(Effect.flip)
        yield* runDay(D)
        yield* runDay(D)
        assert.deepStrictEqual(
          memory.runs.map((r) => r.status),
          ["failed", "succeeded", "succeeded"]
        )
        assert.deepStrictEqual(yield* batchSamples, [
          "pinflow_batch_reconciliation_gap 3",
          'pinflow_batch_runs_total{status="failed"} 1',
          'pinflow_batch_runs_total{status="succeeded"} 2'
        ])
      }).pipe(Effect.provide(env({}, faultyStore(faults))))
  )
})
