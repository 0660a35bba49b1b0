import { PassThrough } from "node:stream"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { KafkaClient } from "../src/KafkaClient.ts"
import { makeGcs } from "../src/ObjectStore/Gcs.ts"
import { ignoreProcessWarnings } from "../src/ProcessWarnings.ts"

/** The warnings Node emits (as `process.on("warning")` sees them) while `f` runs. */
const emitted = (f: () => void) =>
  Effect.promise(async () => {
    const seen: Array<string> = []
    const listener = (warning: Error) => void seen.push(`${warning.name}: ${warning.message}`)
    process.on("warning", listener)
    f()
    await new Promise((resolve) => setTimeout(resolve, 10)) // warnings are emitted on a later tick
    process.off("warning", listener)
    return seen
  })

describe("ignoreProcessWarnings", () => {
  it.effect("drops only what a registered filter matches; a name registers once", () =>
    Effect.gen(function* () {
      ignoreProcessWarnings("test noise", (warning, type) => type === "PinflowTestNoise" || warning === "noise")
      ignoreProcessWarnings("test noise", () => true) // same name again: ignored, or it would drop everything
      const seen = yield* emitted(() => {
        process.emitWarning("dropped", "PinflowTestNoise")
        process.emitWarning("dropped too", { type: "PinflowTestNoise" })
        process.emitWarning("noise")
        process.emitWarning("kept", "PinflowTestSignal")
      })
      assert.deepStrictEqual(seen, ["PinflowTestSignal: kept"])
    })
  )

  it.effect("the Kafka client and the GCS store register their known noise through it", () =>
    Effect.gen(function* () {
      // building the client registers its filter (and touches no network)
      yield* Effect.provide(
        Effect.gen(function* () {
          yield* KafkaClient
        }),
        KafkaClient.layerConfig({ clientId: "warnings-test" })
      )
      yield* makeGcs({ bucket: "warnings-test", endpoint: "http://127.0.0.1:1", projectId: undefined })
      const listeners = Object.assign(new Error("11 error listeners added to [PassThrough]"), {
        name: "MaxListenersExceededWarning",
        emitter: new PassThrough(),
        count: 11
      })
      const twelve = Object.assign(new Error("12 error listeners added to [PassThrough]"), {
        name: "MaxListenersExceededWarning",
        emitter: new PassThrough(),
        count: 12
      })
      const seen = yield* emitted(() => {
        process.emitWarning("-1 is a negative number", "TimeoutNegativeWarning")
        process.emitWarning(listeners)
        process.emitWarning(twelve)
      })
      assert.deepStrictEqual(seen, ["MaxListenersExceededWarning: 12 error listeners added to [PassThrough]"])
    })
  )
})
