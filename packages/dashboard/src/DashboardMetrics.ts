/**
 * The worker's live figures for the dashboard, read from Prometheus text: consumer lag per partition,
 * the age of the last commit, write latency p50/p99 over about the last minute. `layerUrls` scrapes the
 * programs' `/metrics` (1 s deadline each; a dead one is reported, not fatal); `layerInProcess` reads
 * this process's own registry (`pinflow start` runs the worker in the edge's process).
 */
import { Clock, Context, Duration, Effect, Layer, Ref } from "effect"
import { PrometheusMetrics } from "effect/observability"
import type { WorkerMetrics } from "./DashboardApi.ts"
import {
  type Bucket,
  bucketDelta,
  histogramBuckets,
  histogramQuantile,
  parsePrometheusText,
  type Sample
} from "./PrometheusText.ts"

export const lagMetric = "pinflow_consumer_lag"
export const commitAgeMetric = "pinflow_last_commit_age_seconds"
export const writeMetric = "pinflow_stream_write_seconds"

/** One scrape: the text of a source, or why it could not be read. */
export type Scrape = { readonly url: string; readonly text: string } | { readonly url: string; readonly error: string }

/** How far back the latency window reaches. */
const windowMillis = 60_000

interface Snapshot {
  readonly at: number
  readonly buckets: ReadonlyArray<Bucket>
}

/** The worker figures of the scrapes, with latency over the writes since `baseline`. */
export const summarize = (
  scrapes: ReadonlyArray<Scrape>,
  now: number,
  baseline: Snapshot | undefined
): { readonly view: WorkerMetrics; readonly snapshot: Snapshot } => {
  const samples: Array<Sample> = scrapes.flatMap((s) => ("text" in s ? parsePrometheusText(s.text) : []))
  const lag = samples
    .filter((s) => s.name === lagMetric)
    .map((s) => ({ topic: s.labels.topic ?? "", partition: s.labels.partition ?? "", lag: s.value }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition))
  const ages = samples.filter((s) => s.name === commitAgeMetric).map((s) => s.value)
  const buckets = histogramBuckets(samples, writeMetric)
  const window = baseline === undefined ? buckets : bucketDelta(buckets, baseline.buckets)
  const writes = window.at(-1)?.count ?? 0
  return {
    snapshot: { at: now, buckets },
    view: {
      sources: scrapes.map((s) => ({ url: s.url, ok: "text" in s, error: "error" in s ? s.error : null })),
      lag,
      last_commit_age_seconds: ages.length === 0 ? null : Math.max(...ages),
      write_p50_seconds: histogramQuantile(0.5, window),
      write_p99_seconds: histogramQuantile(0.99, window),
      writes_in_window: writes,
      window_seconds: baseline === undefined ? 0 : Math.round((now - baseline.at) / 1000)
    }
  }
}

const scrape = (url: string): Effect.Effect<Scrape> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, { signal })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      return response.text()
    },
    catch: (cause) => (cause instanceof Error ? cause.message : String(cause))
  }).pipe(
    Effect.timeoutOrElse({ duration: Duration.seconds(1), orElse: () => Effect.fail("no answer within 1 s") }),
    Effect.match({ onFailure: (error) => ({ url, error }), onSuccess: (text) => ({ url, text }) })
  )

export class DashboardMetrics extends Context.Service<
  DashboardMetrics,
  {
    /** The figures now (never fails: unreadable sources are listed with their error). */
    readonly read: Effect.Effect<WorkerMetrics>
  }
>()("pinflow/dashboard/DashboardMetrics") {
  /** Over scrapes taken by `scrapeAll`, keeping snapshots so latency covers about the last minute. */
  static readonly make = (scrapeAll: Effect.Effect<ReadonlyArray<Scrape>>) =>
    Effect.gen(function* () {
      const history = yield* Ref.make<ReadonlyArray<Snapshot>>([])
      const read = Effect.gen(function* () {
        const scrapes = yield* scrapeAll
        const now = yield* Clock.currentTimeMillis
        const past = yield* Ref.get(history)
        // the newest snapshot at least a window old; in the first minute there is none: since the start
        const baseline = [...past].reverse().find((s) => s.at <= now - windowMillis)
        const { view, snapshot } = summarize(scrapes, now, baseline)
        yield* Ref.set(history, [...past.filter((s) => s.at >= now - 3 * windowMillis), snapshot].slice(-200))
        return view
      })
      return DashboardMetrics.of({ read })
    })

  /** Scrapes each of `urls` (several workers add up). */
  static readonly layerUrls = (urls: ReadonlyArray<string>) =>
    Layer.effect(DashboardMetrics, DashboardMetrics.make(Effect.forEach(urls, scrape, { concurrency: "unbounded" })))

  /** This process's own metrics (the all-in-one `pinflow start`). */
  static readonly layerInProcess = Layer.effect(
    DashboardMetrics,
    DashboardMetrics.make(Effect.map(PrometheusMetrics.format(), (text) => [{ url: "this process", text }]))
  )
}
