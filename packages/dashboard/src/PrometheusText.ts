/**
 * Reading Prometheus text exposition (what every pinflow program's `/metrics` answers) into samples, and
 * `histogram_quantile` over cumulative buckets as Prometheus computes it (linear within a bucket).
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

const unescapeLabel = (v: string): string => v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))

const number = (text: string): number =>
  text === "+Inf" ? Number.POSITIVE_INFINITY : text === "-Inf" ? Number.NEGATIVE_INFINITY : Number(text)

/** Every sample of `text`; comments and lines that are not samples are skipped. */
export const parsePrometheusText = (text: string): ReadonlyArray<Sample> =>
  text.split("\n").flatMap((raw) => {
    const m = line.exec(raw.trim())
    if (m === null || m[1] === undefined || m[3] === undefined) return []
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? "").matchAll(label)) if (l[1] !== undefined) labels[l[1]] = unescapeLabel(l[2] ?? "")
    const value = number(m[3])
    return Number.isNaN(value) ? [] : [{ name: m[1], labels, value }]
  })

/** A cumulative bucket: how many observations were ≤ `le`. */
export interface Bucket {
  readonly le: number
  readonly count: number
}

/** The cumulative buckets of histogram `name`, summed over every label set and source. */
export const histogramBuckets = (samples: ReadonlyArray<Sample>, name: string): ReadonlyArray<Bucket> => {
  const byLe = new Map<number, number>()
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue
    const le = number(s.labels.le)
    byLe.set(le, (byLe.get(le) ?? 0) + s.value)
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le)
}

/** `later − earlier` per bucket (observations between two scrapes); a reset counts from zero. */
export const bucketDelta = (later: ReadonlyArray<Bucket>, earlier: ReadonlyArray<Bucket>): ReadonlyArray<Bucket> => {
  const before = new Map(earlier.map((b) => [b.le, b.count]))
  const total = (bs: ReadonlyArray<Bucket>) => bs.at(-1)?.count ?? 0
  const reset = total(later) < total(earlier)
  return later.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (before.get(b.le) ?? 0) }))
}

/** The q-quantile (0..1) of cumulative buckets, or null without observations. */
export const histogramQuantile = (q: number, buckets: ReadonlyArray<Bucket>): number | null => {
  const total = buckets.at(-1)?.count ?? 0
  if (total <= 0) return null
  const rank = q * total
  let lowerLe = 0
  let lowerCount = 0
  for (const b of buckets) {
    if (b.count >= rank) {
      // the +Inf bucket has no upper bound: answer the highest finite one, as Prometheus does
      if (!Number.isFinite(b.le)) return lowerLe
      if (b.count === lowerCount) return b.le
      return lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / (b.count - lowerCount)
    }
    lowerLe = b.le
    lowerCount = b.count
  }
  return lowerLe
}
