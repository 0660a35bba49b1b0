/**
 * Runs the components of `pinflow start` until interrupted (exit 0) or until one fails: the edge turns
 * unready at once, and after `START_FAILURE_GRACE` the program stops as on SIGTERM and fails (exit 1).
 */
import { Cause, Config, Context, Duration, Effect, Layer } from "effect"
import { ComponentFailed, reasonOf, StartHealth } from "./StartHealth.ts"

/** How long the edge answers 503 after a component failed, before the program stops. */
export const FailureGrace = Config.Duration("START_FAILURE_GRACE").pipe(Config.withDefault(Duration.seconds(2)))

/** A failure to build the components, as one clear line (the whole cause at Debug). */
const startupFailed = <E>(cause: Cause.Cause<E>): Effect.Effect<never, E | ComponentFailed> =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.failCause(cause)
    : Effect.logDebug("pinflow start: could not start", cause).pipe(
        Effect.andThen(Effect.logError(`pinflow start: could not start: ${reasonOf(cause)}`)),
        Effect.andThen(Effect.fail(new ComponentFailed({ component: "startup", reason: reasonOf(cause) })))
      )

/**
 * Builds `main` and runs until interrupted (exit 0) or until a component fails: then the edge is already
 * unready, the grace passes, and the program fails with `ComponentFailed` (exit 1) while every component
 * stops as on SIGTERM. A failure to start is one `ComponentFailed` line too.
 */
export const runStartWith = <E>(main: Layer.Layer<StartHealth, E>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const grace = yield* FailureGrace
      const context = yield* Layer.build(main).pipe(Effect.catchCause(startupFailed<E>))
      const failure = yield* Context.get(context, StartHealth).failed
      yield* Effect.sleep(grace)
      return yield* failure
    })
  ).pipe(Effect.annotateLogs({ service: "start" }))
