import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { InMemoryLog } from "../src/InMemoryLog.ts"

describe("InMemoryLog", () => {
  it.effect("keeps per-partition order and sends one key to one partition", () =>
    Effect.gen(function* () {
      const log = yield* InMemoryLog.make()
      yield* log.createTopic("pins", 4)
      const appended = yield* log.append("pins", [
        { key: "a", value: "1" },
        { key: "b", value: "2" },
        { key: "a", value: "3" }
      ])
      assert.strictEqual(appended[0]?.partition, appended[2]?.partition)
      const partition = appended[0]?.partition ?? -1
      const records = yield* log.read("pins", partition, 0, 10)
      assert.deepStrictEqual(
        records.filter((r) => r.key === "a").map((r) => [r.offset, r.value]),
        [
          [appended[0]?.offset, "1"],
          [appended[2]?.offset, "3"]
        ]
      )
      assert.strictEqual(yield* log.partitions("pins"), 4)
    })
  )

  it.effect("reads from an offset, bounded by max", () =>
    Effect.gen(function* () {
      const log = yield* InMemoryLog.make()
      yield* log.append(
        "t",
        Array.from({ length: 5 }, (_, i) => ({ key: null, value: String(i) }))
      )
      assert.deepStrictEqual(
        (yield* log.read("t", 0, 1, 2)).map((r) => r.value),
        ["1", "2"]
      )
      assert.strictEqual(yield* log.endOffset("t", 0), 5)
    })
  )

  it.effect("wakes a waiting reader on append", () =>
    Effect.gen(function* () {
      const log = yield* InMemoryLog.make()
      const waiter = yield* Effect.forkChild(log.awaitAppend)
      yield* Effect.yieldNow
      assert.isUndefined(waiter.pollUnsafe())
      yield* log.append("t", [{ key: "k", value: "v" }])
      yield* Fiber.join(waiter)
    })
  )

  it.effect("starts offsets at a per-boot base, so a later log never repeats an earlier one's offsets", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const first = yield* InMemoryLog.make()
      const a = yield* first.append("t", [{ key: null, value: "a" }])
      yield* TestClock.adjust("1 second")
      const second = yield* InMemoryLog.make()
      const b = yield* second.append("t", [{ key: null, value: "b" }])
      assert.deepStrictEqual([a[0]?.offset, b[0]?.offset, second.startOffset], [1_000_000, 2_000_000, 2_000_000])
      assert.strictEqual(yield* second.committed("g", "t", 0), 2_000_000)
      assert.deepStrictEqual(
        (yield* second.read("t", 0, 0, 10)).map((r) => r.value),
        ["b"]
      )
    })
  )

  it.effect("commits per group", () =>
    Effect.gen(function* () {
      const log = yield* InMemoryLog.make()
      assert.strictEqual(yield* log.committed("g", "t", 0), 0)
      yield* log.commit("g", "t", 0, 7)
      assert.strictEqual(yield* log.committed("g", "t", 0), 7)
      assert.strictEqual(yield* log.committed("other", "t", 0), 0)
    })
  )
})
