/** Below Debug a log's cause is its message on the same line; at Debug the cause (with stacks) is kept. */
import { assert, describe, it } from "@effect/vitest"
import { stacksOnlyAtDebug } from "@pinflow/adapters/ProgramRuntime"
import { Cause, Effect, Logger, References } from "effect"

interface Seen {
  readonly message: unknown
  readonly causeReasons: number
}

/** Logs `program` through `stacksOnlyAtDebug` over a logger that records what reaches it. */
const seen = (level: "Info" | "Debug", program: Effect.Effect<void>) =>
  Effect.gen(function* () {
    const records: Array<Seen> = []
    const recorder = Logger.make((options) => {
      records.push({ message: options.message, causeReasons: options.cause.reasons.length })
    })
    yield* program.pipe(
      Effect.provide(Logger.layer([stacksOnlyAtDebug(recorder)])),
      Effect.provideService(References.MinimumLogLevel, level)
    )
    return records
  })

const failed = Effect.logError("embedded log: flush round failed", Cause.fail(new Error("disk full")))

describe("stacksOnlyAtDebug", () => {
  it.effect("at Info: one message with the cause's, no cause left to render", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* seen("Info", failed), [
        { message: "embedded log: flush round failed: disk full", causeReasons: 0 }
      ])
    })
  )

  it.effect("at Debug: the record as logged, its cause kept", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* seen("Debug", failed), [
        { message: ["embedded log: flush round failed"], causeReasons: 1 }
      ])
    })
  )

  it.effect("a cause logged alone: its message", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* seen("Info", Effect.logWarning(Cause.fail(new Error("disk full")))), [
        { message: "disk full", causeReasons: 0 }
      ])
    })
  )

  it.effect("a record without a cause passes unchanged", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* seen("Info", Effect.logInfo("ready", { port: 8000 })), [
        { message: ["ready", { port: 8000 }], causeReasons: 0 }
      ])
    })
  )
})
