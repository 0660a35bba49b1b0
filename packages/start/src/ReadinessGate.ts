/**
 * The edge's log as `pinflow start` gives it: once a component failed (`StartHealth`), `/readyz` answers
 * 503 and every post 503 with `Retry-After` — nothing would process what it accepted — while the
 * process stops.
 */
import { PinLog, PinLogUnavailable } from "@pinflow/adapters"
import { Effect, Layer, Option } from "effect"
import { StartHealth } from "./StartHealth.ts"

export const ReadinessGate = Layer.effect(
  PinLog,
  Effect.gen(function* () {
    const log = yield* PinLog
    const health = yield* StartHealth
    return PinLog.of({
      write: (records) =>
        Effect.flatMap(health.failure, (failure) =>
          Option.match(failure, {
            onNone: () => log.write(records),
            onSome: (failed) =>
              Effect.fail(
                new PinLogUnavailable({ reason: "closed", message: `pinflow start is stopping: ${failed.message}` })
              )
          })
        ),
      ready: Effect.flatMap(health.failure, (failure) => (Option.isSome(failure) ? Effect.succeed(false) : log.ready)),
      depth: log.depth
    })
  })
)
