/**
 * The emulator run: events from a file or the generator are posted one per request to `POST /pin/` at
 * a steady rate with bounded concurrency, until a count, a duration, the end of the file or Ctrl-C.
 * One progress line per second on stderr; the summary (sent, status codes, p50/p95/p99) at the end.
 */
import { Clock, Console, Duration, Effect, Fiber, FiberSet, Option, Semaphore } from "effect"
import { makePoster } from "./HttpPoster.ts"
import { formatStatuses, formatSummary, LatencyStats, percentile, type Snapshot } from "./LatencyStats.ts"
import { makePinGenerator } from "./PinGenerator.ts"

export interface EmulatorOptions {
  /** Base URL of the edge (`/pin/` is appended) or the full endpoint URL. */
  readonly url: string
  /** Events per second; none = as fast as the concurrency allows. */
  readonly rate: Option.Option<number>
  readonly concurrency: number
  readonly count: Option.Option<number>
  readonly duration: Option.Option<Duration.Duration>
  /** NDJSON lines to replay (cycled when a count or duration asks for more); none = the generator. */
  readonly lines: Option.Option<ReadonlyArray<string>>
  readonly invalidRate: number
  readonly apiKey: Option.Option<string>
  readonly seed: Option.Option<number>
}

export interface EmulatorResult {
  readonly snapshot: Snapshot
  readonly seconds: number
}

/** `http://h:8000` → `http://h:8000/pin/`; a URL with a path is used as given. */
export const targetUrl = (url: string): URL => {
  const parsed = new URL(url)
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/pin/"
  return parsed
}

/** "200", "200/s" → 200. */
export const parseRate = (text: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*s)?\s*$/.exec(text)
  const n = m === null ? Number.NaN : Number(m[1])
  return Number.isFinite(n) && n > 0 ? n : undefined
}

/** "30s", "2m", "1h", "500ms", "30" (seconds) → Duration. */
export const parseDuration = (text: string): Duration.Duration | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = m[2] ?? "s"
  const millis = unit === "ms" ? n : unit === "s" ? n * 1_000 : unit === "m" ? n * 60_000 : n * 3_600_000
  return millis > 0 ? Duration.millis(millis) : undefined
}

const source = (options: EmulatorOptions): (() => string | undefined) => {
  if (Option.isSome(options.lines)) {
    const lines = options.lines.value.filter((l) => l.trim().length > 0)
    const cycle = Option.isSome(options.count) || Option.isSome(options.duration)
    let i = 0
    return () => {
      if (lines.length === 0 || (!cycle && i >= lines.length)) return undefined
      return lines[i++ % lines.length]
    }
  }
  const generate = makePinGenerator({
    invalidRate: options.invalidRate,
    ...(Option.isSome(options.seed) ? { seed: options.seed.value } : {})
  })
  return () => JSON.stringify(generate())
}

const ms = (n: number) => (Number.isNaN(n) ? "-" : n.toFixed(1))

export const runEmulator = Effect.fn("Emulator.run")(function* (options: EmulatorOptions) {
  const target = targetUrl(options.url)
  const poster = makePoster(target, {
    maxSockets: options.concurrency,
    ...(Option.isSome(options.apiKey) ? { apiKey: options.apiKey.value } : {})
  })
  const next = source(options)
  const stats = new LatencyStats()
  const slots = yield* Semaphore.make(options.concurrency)
  const inFlight = yield* FiberSet.make<void>()
  const started = yield* Clock.currentTimeMillis
  const deadline = Option.map(options.duration, (d) => started + Duration.toMillis(d))
  const interval = Option.map(options.rate, (r) => 1_000 / r)
  let sentAtLastTick = 0

  yield* Console.error(`posting to ${target.href}`)
  const progress = yield* Effect.forkChild(
    Effect.gen(function* () {
      while (true) {
        yield* Effect.sleep(Duration.seconds(1))
        const now = yield* Clock.currentTimeMillis
        const window = stats.takeWindow()
        const total = stats.snapshot()
        yield* Console.error(
          `${((now - started) / 1000).toFixed(0)}s sent ${total.sent} (+${total.sent - sentAtLastTick}/s) ` +
            `${formatStatuses(total.statuses)} | last second p50 ${ms(percentile(window, 50))} ms, p99 ${ms(percentile(window, 99))} ms`
        )
        sentAtLastTick = total.sent
      }
    })
  )

  const sendAll = Effect.gen(function* () {
    for (let i = 0; ; i++) {
      if (Option.isSome(options.count) && i >= options.count.value) break
      let now = yield* Clock.currentTimeMillis
      if (Option.isSome(deadline) && now >= deadline.value) break
      if (Option.isSome(interval)) {
        const due = started + i * interval.value
        if (due > now) {
          yield* Effect.sleep(Duration.millis(due - now))
          now = due
        }
        if (Option.isSome(deadline) && now >= deadline.value) break
      }
      const body = next()
      if (body === undefined) break
      yield* slots.take(1)
      yield* FiberSet.run(
        inFlight,
        poster.post(body).pipe(
          Effect.tap((posted) => Effect.sync(() => stats.record(posted.status, posted.millis))),
          Effect.asVoid,
          Effect.ensuring(slots.release(1))
        )
      )
    }
    yield* FiberSet.awaitEmpty(inFlight)
  })

  // Ctrl-C stops sending; the summary of what was sent is still printed.
  yield* sendAll.pipe(
    Effect.ensuring(
      Effect.gen(function* () {
        yield* Fiber.interrupt(progress)
        yield* poster.close
      })
    ),
    Effect.onInterrupt(() =>
      Effect.gen(function* () {
        const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
        yield* Console.log(formatSummary(stats.snapshot(), seconds))
      })
    )
  )
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  const snapshot = stats.snapshot()
  yield* Console.log(formatSummary(snapshot, seconds))
  return { snapshot, seconds } satisfies EmulatorResult
}, Effect.scoped)
