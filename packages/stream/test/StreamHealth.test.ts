import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import {
  layerStreamHealth,
  markCommitted,
  markLag,
  markReleased,
  markTaken,
  StreamHealth,
  stallReason
} from "../src/StreamHealth.ts"
import { StreamSettings } from "../src/StreamSettings.ts"

// 100 windows of 200 ms: a stall shows after 20 s without a commit
const env = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provide(layerStreamHealth), Effect.provide(StreamSettings.layerWith({ stallAfter: 100 })))

describe("stallReason", () => {
  it.effect(
    "a member holding records it took but has not committed for the limit, while the group lags, is stalled",
    () =>
      env(
        Effect.gen(function* () {
          yield* markCommitted
          yield* TestClock.adjust(Duration.seconds(1))
          yield* markTaken
          yield* markLag(5)
          yield* TestClock.adjust(Duration.seconds(19))
          assert.isTrue(Option.isNone(yield* stallReason))
          yield* TestClock.adjust(Duration.seconds(1))
          assert.deepStrictEqual(
            yield* stallReason,
            Option.some("no offset committed for 21 s while 5 records wait (limit 20s)")
          )
          yield* markCommitted
          assert.isTrue(Option.isNone(yield* stallReason))
        })
      )
  )

  it.effect(
    "a member with nothing of its own in hand is not stalled, however long the group lags (idle partitions)",
    () =>
      env(
        Effect.gen(function* () {
          yield* markLag(5)
          yield* TestClock.adjust(Duration.minutes(10))
          yield* markLag(7)
          assert.isTrue(Option.isNone(yield* stallReason))
          const { progress } = yield* StreamHealth
          assert.strictEqual((yield* Ref.get(progress)).holding, 0)
        })
      )
  )
  it.effect("two batches in flight: the first committed, the second still held, is a stall after the limit", () =>
    env(
      Effect.gen(function* () {
        yield* markTaken
        yield* markTaken
        yield* TestClock.adjust(Duration.seconds(1))
        yield* markCommitted
        yield* markReleased
        yield* markLag(500)
        yield* TestClock.adjust(Duration.seconds(21))
        assert.deepStrictEqual(
          yield* stallReason,
          Option.some("no offset committed for 21 s while 500 records wait (limit 20s)")
        )
        yield* markReleased
        assert.isTrue(Option.isNone(yield* stallReason))
      })
    )
  )
})
