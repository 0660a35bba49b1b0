import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import { DashboardMetrics, type Scrape } from "../src/DashboardMetrics.ts"
import { histogramBuckets, histogramQuantile, parsePrometheusText } from "../src/PrometheusText.ts"

const workerText = (buckets: readonly [number, number, number, number]) => `# HELP pinflow_consumer_lag records behind
# TYPE pinflow_consumer_lag gauge
pinflow_consumer_lag{topic="pins",partition="1"} 7
pinflow_consumer_lag{topic="pins",partition="0"} 12
pinflow_last_commit_age_seconds 2.5
pinflow_stream_write_seconds_bucket{le="0.01"} ${buckets[0]}
pinflow_stream_write_seconds_bucket{le="0.05"} ${buckets[1]}
pinflow_stream_write_seconds_bucket{le="0.1"} ${buckets[2]}
pinflow_stream_write_seconds_bucket{le="+Inf"} ${buckets[3]}
pinflow_stream_write_seconds_count ${buckets[3]}
`

describe("PrometheusText", () => {
  it("reads samples with labels, escapes and +Inf", () => {
    assert.deepStrictEqual(parsePrometheusText('# c\nm{a="x\\"y",le="+Inf"} 3\nbare 1.5\nnot a sample\n'), [
      { name: "m", labels: { a: 'x"y', le: "+Inf" }, value: 3 },
      { name: "bare", labels: {}, value: 1.5 }
    ])
  })

  it("interpolates quantiles within a bucket as histogram_quantile does", () => {
    const buckets = histogramBuckets(
      parsePrometheusText(workerText([10, 90, 100, 100])),
      "pinflow_stream_write_seconds"
    )
    assert.closeTo(histogramQuantile(0.5, buckets) ?? Number.NaN, 0.03, 1e-12)
    assert.closeTo(histogramQuantile(0.99, buckets) ?? Number.NaN, 0.095, 1e-12)
    assert.strictEqual(histogramQuantile(0.5, []), null)
  })
})

describe("DashboardMetrics", () => {
  it.effect("lag per partition in order, the oldest commit, latency since start, then over the last minute", () =>
    Effect.gen(function* () {
      const text = yield* Ref.make(workerText([10, 90, 100, 100]))
      const scrapes = Effect.map(
        Ref.get(text),
        (t): ReadonlyArray<Scrape> => [
          { url: "http://worker/metrics", text: t },
          { url: "http://down/metrics", error: "no answer within 1 s" }
        ]
      )
      const metrics = yield* DashboardMetrics.make(scrapes)
      const first = yield* metrics.read
      assert.deepStrictEqual(first.lag, [
        { topic: "pins", partition: "0", lag: 12 },
        { topic: "pins", partition: "1", lag: 7 }
      ])
      assert.deepStrictEqual(first.sources, [
        { url: "http://worker/metrics", ok: true, error: null },
        { url: "http://down/metrics", ok: false, error: "no answer within 1 s" }
      ])
      assert.strictEqual(first.last_commit_age_seconds, 2.5)
      assert.strictEqual(first.writes_in_window, 100)
      assert.strictEqual(first.window_seconds, 0)
      assert.closeTo(first.write_p50_seconds ?? Number.NaN, 0.03, 1e-12)

      // a minute later, 100 more writes all under 10 ms: the window holds only those
      yield* TestClock.adjust("61 seconds")
      yield* Ref.set(text, workerText([110, 190, 200, 200]))
      const later = yield* metrics.read
      assert.strictEqual(later.writes_in_window, 100)
      assert.strictEqual(later.window_seconds, 61)
      assert.closeTo(later.write_p50_seconds ?? Number.NaN, 0.005, 1e-12)
      assert.closeTo(later.write_p99_seconds ?? Number.NaN, 0.0099, 1e-12)
    })
  )
})
