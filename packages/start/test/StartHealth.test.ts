import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Data, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import { ComponentFailed, reasonOf, StartHealth, supervised } from "../src/StartHealth.ts"

class SourceCrashed extends Data.TaggedError("SourceCrashed")<{ readonly message: string }> {}

/** Builds `components` in a scope of their own, with a fresh StartHealth; returns both. */
const build = (components: Layer.Layer<never, never, StartHealth>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const health = yield* Effect.gen(function* () {
      return yield* StartHealth
    }).pipe(Effect.provide(StartHealth.layer))
    yield* Layer.buildWithScope(components.pipe(Layer.provide(Layer.succeed(StartHealth, health))), scope)
    return { scope, health }
  })

describe("StartHealth", () => {
  it.effect(
    "the first failing component is recorded with its reason; later ones are not",
    () =>
      Effect.gen(function* () {
        const { health } = yield* build(
          Layer.mergeAll(
            supervised("status line", Effect.never),
            supervised(
              "stream worker",
              Effect.fail(new SourceCrashed({ message: "source consume failed: topic gone" }))
            )
          )
        )
        const first = yield* health.failed
        assert.deepStrictEqual(
          { component: first.component, reason: first.reason, message: first.message },
          {
            component: "stream worker",
            reason: "source consume failed: topic gone",
            message: "stream worker failed: source consume failed: topic gone"
          }
        )
        yield* health.fail("batch schedule", "later")
        assert.deepStrictEqual(
          Option.map(yield* health.failure, (f) => f.component),
          Option.some("stream worker")
        )
      }),
    5_000
  )

  it.effect(
    "a defect, an end of its own and an interruption from within are failures too",
    () =>
      Effect.gen(function* () {
        const cases = [
          ["demo", Effect.die(new Error("boom\n  at somewhere")), "unexpected error: boom at somewhere"],
          ["status line", Effect.void, "stopped on its own"],
          ["edge", Effect.interrupt, "interrupted from within"]
        ] as const
        for (const [name, component, reason] of cases) {
          const { health } = yield* build(supervised(name, component))
          const failure = yield* health.failed
          assert.deepStrictEqual([failure.component, failure.reason], [name, reason])
        }
      }),
    5_000
  )

  it.effect("closing the scope (a normal stop) is not a failure", () =>
    Effect.gen(function* () {
      const { scope, health } = yield* build(
        Layer.mergeAll(supervised("stream worker", Effect.never), supervised("status line", Effect.never))
      )
      const waiting = yield* Effect.forkChild(health.failed)
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* health.failure, Option.none())
      assert.isUndefined(waiting.pollUnsafe())
      yield* Fiber.interrupt(waiting)
    })
  )

  it("ComponentFailed is not reported again by runMain, and reasons are one line", () => {
    const failure = new ComponentFailed({ component: "edge", reason: "x" })
    assert.strictEqual((failure as Error)["~effect/Runtime/errorReported" as never], false)
    assert.strictEqual(reasonOf(Cause.fail("plain\ntext")), "plain text")
    assert.strictEqual(reasonOf(Cause.fail({ code: 42 })), '{"code":42}')
    const badPort = Effect.runSyncExit(Config.Port("PORT").parse(ConfigProvider.fromUnknown({ PORT: "99999" })))
    assert.strictEqual(
      Exit.isFailure(badPort) ? reasonOf(badPort.cause) : "parsed",
      "PORT: expected a value between 1 and 65535"
    )
  })
})
