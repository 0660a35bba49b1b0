/**
 * The emulator run, like the original posting emulator: each step takes one source row — generated, or
 * replayed from NDJSON files — and posts its pin, geo and user events, one per request, to `POST /pin/`,
 * `/geo/` and `/user/`, at a steady rate of steps with bounded concurrency, until a count of steps, a
 * duration, the end of the files or Ctrl-C. One progress line per second on stderr; the summary (sent
 * per type, status codes, p50/p95/p99) at the end.
 */
import { type EventTypeName, eventTypes } from "@pinflow/domain"
import { Clock, Console, Data, Deferred, Duration, Effect, Fiber, FiberSet, Option, Semaphore } from "effect"
import { type FileLines, fileSteps } from "./FileSteps.ts"
import { makePoster } from "./HttpPoster.ts"
import { formatStatuses, formatSummary, LatencyStats, percentile, type Snapshot } from "./LatencyStats.ts"
import type { Step } from "./Step.ts"
import { makeStepGenerator } from "./StepGenerator.ts"

export interface EmulatorOptions {
  /** Base URL of the edge; each event goes to its type's `/<name>/` there (an endpoint path given is dropped). */
  readonly url: string
  /** Steps (source rows) per second; none = as fast as the concurrency allows. */
  readonly rate: Option.Option<number>
  readonly concurrency: number
  /** Steps (source rows) to post at most. */
  readonly count: Option.Option<number>
  readonly duration: Option.Option<Duration.Duration>
  /** NDJSON files to replay (cycled when a count or duration asks for more); none = the generator. */
  readonly files: ReadonlyArray<FileLines>
  /** The types a generated step posts (default every registered type); files bring their own. */
  readonly types?: ReadonlyArray<EventTypeName>
  readonly invalidRate: number
  readonly apiKey: Option.Option<string>
  readonly seed: Option.Option<number>
}

export interface EmulatorResult {
  readonly snapshot: Snapshot
  readonly seconds: number
}

/** A file the emulator cannot replay (its event type cannot be told). */
export class EmulatorFileError extends Data.TaggedError("EmulatorFileError")<{ readonly message: string }> {}

const endpointPaths = eventTypes.flatMap((t) => [t.name, t.plural]).join("|")
const endpointSuffix = new RegExp(`/(?:${endpointPaths})/?$`)

/**
 * Where events of `type` go: `http://h:8000` → `http://h:8000/geo/`; a path is kept as a prefix
 * (`http://proxy/edge` → `/edge/geo/`), less an endpoint it already names (`http://h:8000/pin/`).
 */
export const endpointUrl = (url: string, type: EventTypeName): URL => {
  const parsed = new URL(url)
  const base = parsed.pathname.replace(endpointSuffix, "").replace(/\/+$/, "")
  parsed.pathname = `${base}/${type}/`
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

/** The next step, or undefined at the end of the files. */
const source = (options: EmulatorOptions, steps: ReadonlyArray<Step>): (() => Step | undefined) => {
  if (options.files.length > 0) {
    const cycle = Option.isSome(options.count) || Option.isSome(options.duration)
    let i = 0
    return () => {
      if (steps.length === 0 || (!cycle && i >= steps.length)) return undefined
      return steps[i++ % steps.length]
    }
  }
  return makeStepGenerator({
    invalidRate: options.invalidRate,
    ...(options.types === undefined ? {} : { types: options.types }),
    ...(Option.isSome(options.seed) ? { seed: options.seed.value } : {})
  })
}

const ms = (n: number) => (Number.isNaN(n) ? "-" : n.toFixed(1))

export const runEmulator = Effect.fn("Emulator.run")(function* (options: EmulatorOptions) {
  const replayed = fileSteps(options.files)
  if ("error" in replayed) return yield* new EmulatorFileError({ message: replayed.error })
  const targets = new Map(eventTypes.map((t) => [t.name, endpointUrl(options.url, t.name)]))
  const poster = makePoster({
    maxSockets: options.concurrency,
    ...(Option.isSome(options.apiKey) ? { apiKey: options.apiKey.value } : {})
  })
  const next = source(options, replayed.steps)
  const stats = new LatencyStats()
  const slots = yield* Semaphore.make(options.concurrency)
  const inFlight = yield* FiberSet.make<void>()
  const started = yield* Clock.currentTimeMillis
  const deadline = Option.map(options.duration, (d) => started + Duration.toMillis(d))
  const interval = Option.map(options.rate, (r) => 1_000 / r)
  let sentAtLastTick = 0

  yield* Console.error(`posting to ${[...targets.values()].map((url) => url.href).join(", ")}`)
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

  // the latest post of each replayed row and type not yet answered: a repeat waits for it
  const unanswered = new Map<string, Deferred.Deferred<void>>()
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
      const step = next()
      if (step === undefined) break
      for (const post of step) {
        const target = targets.get(post.type) as URL
        yield* slots.take(1)
        const key = post.row === undefined ? undefined : `${post.type} ${post.row}`
        const previous = key === undefined ? undefined : unanswered.get(key)
        const answered = yield* Deferred.make<void>()
        if (key !== undefined) unanswered.set(key, answered)
        yield* FiberSet.run(
          inFlight,
          Effect.andThen(
            previous === undefined ? Effect.void : Deferred.await(previous),
            poster.post(target, post.body)
          ).pipe(
            Effect.tap((posted) => Effect.sync(() => stats.record(posted.status, posted.millis, post.type))),
            Effect.asVoid,
            Effect.ensuring(
              Effect.gen(function* () {
                yield* slots.release(1)
                yield* Deferred.succeed(answered, undefined)
                if (key !== undefined && unanswered.get(key) === answered) unanswered.delete(key)
              })
            )
          )
        )
      }
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
