/**
 * The health of the all-in-one process. Its components (edge, stream worker, batch schedule, demo,
 * status line) run side by side for the life of the program; the first one that fails, dies or stops
 * marks the process failed: it is logged once, clearly, the edge turns unready and refuses posts, and
 * `runStart` ends the program with that failure (a non-zero exit), instead of serving 200s nobody writes.
 */
import { describeConfigError } from "@pinflow/adapters"
import { stringifyJson } from "@pinflow/domain"
import { Cause, Config, Context, Data, Deferred, Effect, Exit, Layer, Option, Ref, Runtime } from "effect"

export class ComponentFailed extends Data.TaggedError("ComponentFailed")<{
  readonly component: string
  readonly reason: string
}> {
  // logged once when it happened (StartHealth.fail): runMain must not print it again
  override readonly [Runtime.errorReported] = false
  override get message(): string {
    return `${this.component} failed: ${this.reason}`
  }
}

/** A cause as one line of text: the error's message (a defect says so). */
export const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text =
    error instanceof Config.ConfigError
      ? describeConfigError(error, () => undefined)
      : error instanceof Error
        ? error.message
        : typeof error === "string"
          ? error
          : stringifyJson(error)
  const line = text.replace(/\s*\n\s*/g, " ").trim() || "no reason given"
  return Cause.hasDies(cause) && !Cause.hasFails(cause) ? `unexpected error: ${line}` : line
}

export class StartHealth extends Context.Service<
  StartHealth,
  {
    /** The first failure, if any. */
    readonly failure: Effect.Effect<Option.Option<ComponentFailed>>
    /** Records a component's failure; only the first is kept and logged. */
    readonly fail: (component: string, reason: string) => Effect.Effect<void>
    /** Waits for the first failure. */
    readonly failed: Effect.Effect<ComponentFailed>
  }
>()("pinflow/start/StartHealth") {
  static readonly layer = Layer.effect(
    StartHealth,
    Effect.gen(function* () {
      const first = yield* Ref.make(Option.none<ComponentFailed>())
      const signal = yield* Deferred.make<ComponentFailed>()
      return StartHealth.of({
        failure: Ref.get(first),
        fail: (component, reason) =>
          Effect.gen(function* () {
            const failure = new ComponentFailed({ component, reason })
            const isFirst = yield* Ref.modify(first, (current) =>
              Option.isSome(current) ? [false, current] : [true, Option.some(failure)]
            )
            if (!isFirst) return yield* Effect.logDebug(`pinflow start: ${failure.message} (while stopping)`)
            yield* Effect.logError(`pinflow start: ${failure.message}; stopping (readyz answers 503)`)
            yield* Deferred.succeed(signal, failure)
          }),
        failed: Deferred.await(signal)
      })
    })
  )
}

/**
 * Runs `component` for the life of the layer's scope. It is meant to run until interrupted: its failure,
 * a defect, an interruption from within or an end of its own is recorded in `StartHealth` under `name`.
 */
export const supervised = <E, R>(name: string, component: Effect.Effect<unknown, E, R>) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const health = yield* StartHealth
      yield* component.pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          // (when the scope closes, this fiber itself is interrupted and never gets here)
          health.fail(
            name,
            Exit.isSuccess(exit)
              ? "stopped on its own"
              : Cause.hasInterruptsOnly(exit.cause)
                ? "interrupted from within"
                : reasonOf(exit.cause)
          )
        ),
        Effect.forkScoped
      )
    })
  )
