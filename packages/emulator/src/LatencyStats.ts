/** Status-code counts and latency percentiles of a run, overall and per progress interval. */
export interface Snapshot {
  readonly sent: number
  readonly statuses: ReadonlyMap<string, number>
  /** Events sent per type (pin, geo, user). */
  readonly types: ReadonlyMap<string, number>
  readonly p50: number
  readonly p95: number
  readonly p99: number
}

/** Nearest-rank percentile of sorted values; NaN when empty. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

export class LatencyStats {
  private readonly all: Array<number> = []
  private window: Array<number> = []
  private readonly statuses = new Map<string, number>()
  private readonly types = new Map<string, number>()

  /** `status` is the HTTP status, or an error code such as "ECONNREFUSED" when there was no answer. */
  record(status: string, millis: number, type = "pin"): void {
    this.all.push(millis)
    this.window.push(millis)
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    this.types.set(type, (this.types.get(type) ?? 0) + 1)
  }

  /** Latencies since the previous call (for the live line), sorted. */
  takeWindow(): ReadonlyArray<number> {
    const w = this.window.sort((a, b) => a - b)
    this.window = []
    return w
  }

  snapshot(): Snapshot {
    const sorted = [...this.all].sort((a, b) => a - b)
    return {
      sent: this.all.length,
      statuses: new Map([...this.statuses].sort(([a], [b]) => a.localeCompare(b))),
      types: new Map(this.types),
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99)
    }
  }
}

const ms = (n: number): string => (Number.isNaN(n) ? "-" : `${n.toFixed(1)} ms`)

export const formatStatuses = (statuses: ReadonlyMap<string, number>): string =>
  statuses.size === 0 ? "none" : [...statuses].map(([status, n]) => `${status}: ${n}`).join(", ")

/** " (pin 10, geo 10, user 10)"; nothing when only pins were sent. */
const formatTypes = (types: ReadonlyMap<string, number>): string =>
  types.size === 0 || (types.size === 1 && types.has("pin"))
    ? ""
    : ` (${[...types].map(([type, n]) => `${type} ${n}`).join(", ")})`

export const formatSummary = (s: Snapshot, seconds: number): string =>
  [
    `sent ${s.sent} in ${seconds.toFixed(1)} s (${(s.sent / Math.max(seconds, 0.001)).toFixed(0)}/s)${formatTypes(s.types)}`,
    `status ${formatStatuses(s.statuses)}`,
    `latency p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}`
  ].join("\n")
