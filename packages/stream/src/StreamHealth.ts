/**
 * Whether the worker makes progress, as `/healthz` reports it: stalled when it holds records it took to
 * write but committed no offset for `STREAM_STALL_AFTER` batch windows (200 ms each without a window) while the broker says records wait. The worker records each commit
 * and each reading of the lag here; `stallReason` answers from that state (no broker round trip).
 */
import { HealthCheck } from "@pinflow/adapters"
import { Clock, Context, Duration, Effect, Layer, Option, Ref } from "effect"
import { StreamSettings, stallUnit } from "./StreamSettings.ts"

export interface StreamProgress {
  /** Epoch millis of the last commit, or of the worker's start before its first commit. */
  readonly lastCommitAt: number
  /** Batches this worker took to write and has not finished committing (records of its own waiting). */
  readonly holding: number
  /** Epoch millis of the last time nothing was waiting (lag 0): an idle worker is not a stalled one. */
  readonly lastIdleAt: number
  /** Records waiting at the last reading of the broker's offsets; null before the first reading. */
  readonly lag: number | null
}

export interface StreamHealthShape {
  readonly progress: Ref.Ref<StreamProgress>
}

const initial = (now: number): StreamProgress => ({ lastCommitAt: now, holding: 0, lastIdleAt: now, lag: null })

/**
 * A Reference, so programs that do not serve `/healthz` (e.g. `pinflow start`) need not provide it; the
 * stream program provides `layerStreamHealth` to the worker and to the metrics server alike.
 */
export const StreamHealth = Context.Reference<StreamHealthShape>("pinflow/stream/StreamHealth", {
  defaultValue: () => ({ progress: Ref.makeUnsafe(initial(0)) })
})

/** A fresh state, starting now. */
export const layerStreamHealth = Layer.effect(
  StreamHealth,
  Effect.map(Clock.currentTimeMillis, (now) => ({ progress: Ref.makeUnsafe(initial(now)) }))
)

/** The worker started: its stall clock starts now. */
export const markStarted = Effect.gen(function* () {
  const { progress } = yield* StreamHealth
  const now = yield* Clock.currentTimeMillis
  yield* Ref.set(progress, initial(now))
})

/** This worker took a batch to write: until its commit is done, records of its own wait. */
export const markTaken = Effect.gen(function* () {
  const { progress } = yield* StreamHealth
  yield* Ref.update(progress, (p) => ({ ...p, holding: p.holding + 1 }))
})

/** A batch's commit is done (committed, or failed and left to the next one): it no longer waits. */
export const markReleased = Effect.gen(function* () {
  const { progress } = yield* StreamHealth
  yield* Ref.update(progress, (p) => ({ ...p, holding: Math.max(0, p.holding - 1) }))
})

export const markCommitted = Effect.gen(function* () {
  const { progress } = yield* StreamHealth
  const now = yield* Clock.currentTimeMillis
  yield* Ref.update(progress, (p) => ({ ...p, lastCommitAt: now }))
})

export const markLag = (lag: number) =>
  Effect.gen(function* () {
    const { progress } = yield* StreamHealth
    const now = yield* Clock.currentTimeMillis
    yield* Ref.update(progress, (p) => ({ ...p, lag, lastIdleAt: lag === 0 ? now : p.lastIdleAt }))
  })

/** `Some(reason)` when stalled: no commit for `stallAfter` batch windows while records wait. */
export const stallReason = Effect.gen(function* () {
  const settings = yield* StreamSettings
  const { progress } = yield* StreamHealth
  const p = yield* Ref.get(progress)
  const now = yield* Clock.currentTimeMillis
  const limit = Duration.toMillis(stallUnit(settings)) * settings.stallAfter
  const since = Math.max(p.lastCommitAt, p.lastIdleAt)
  // the lag is the group's: a member with nothing of its own in hand (idle partitions) is not stalled
  if (p.lag === null || p.lag === 0 || p.holding === 0 || now - since <= limit) return Option.none<string>()
  return Option.some(
    `no offset committed for ${Math.round((now - p.lastCommitAt) / 1000)} s while ${p.lag} records wait (limit ${Duration.format(Duration.millis(limit))})`
  )
})

/** The `/healthz` check of the stream program, on the worker's state. */
export const layerHealthCheck = Layer.effect(
  HealthCheck,
  Effect.map(Effect.context<StreamSettings>(), (context) => stallReason.pipe(Effect.provideContext(context)))
)
