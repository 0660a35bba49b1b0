import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { InMemoryLog } from "../src/InMemoryLog.ts"
import { PinSource } from "../src/PinSource.ts"

const Env = PinSource.layerMemory.pipe(Layer.provideMerge(InMemoryLog.layerPartitions(3)))

const append = (topic: string, keys: ReadonlyArray<string>) =>
  Effect.flatMap(InMemoryLog, (log) =>
    log.append(
      topic,
      keys.map((key) => ({ key, value: `v-${key}` }))
    )
  )

const keys = (n: number, prefix = "k") => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe("PinSource.layerMemory", { timeout: 10_000 }, () => {
  it.effect("delivers every record once, in order within each partition, and resumes after the commit", () =>
    Effect.gen(function* () {
      yield* append("pins", keys(100))
      const source = yield* PinSource
      const first = yield* Effect.scoped(
        Effect.gen(function* () {
          const c = yield* source.subscribe({ group: "g", topics: ["pins"], bufferSize: 8 })
          const got = yield* c.records.pipe(Stream.take(60), Stream.runCollect)
          const result = yield* c.commit(got)
          return { got, result }
        })
      )
      for (const p of [0, 1, 2]) {
        const offsets = first.got.filter((r) => r.partition === p).map((r) => r.offset)
        assert.deepStrictEqual(
          offsets,
          offsets.map((_, i) => i)
        )
      }
      assert.deepStrictEqual(first.result.skipped, [])
      yield* append("pins", keys(10, "late"))
      const rest = yield* Effect.scoped(
        Effect.gen(function* () {
          const c = yield* source.subscribe({ group: "g", topics: ["pins"] })
          return yield* c.records.pipe(Stream.take(50), Stream.runCollect)
        })
      )
      const all = [...first.got, ...rest].map((r) => r.key).sort()
      assert.deepStrictEqual(all, [...keys(100), ...keys(10, "late")].sort())
    }).pipe(Effect.provide(Env))
  )

  it.effect("readToEnd stops at the end offsets taken at the start and skips partitions already there", () =>
    Effect.gen(function* () {
      yield* append("pins", keys(30))
      const source = yield* PinSource
      const log = yield* InMemoryLog
      const read = (group: string) =>
        Effect.scoped(
          Effect.gen(function* () {
            const c = yield* source.readToEnd({ group, topics: ["pins"] })
            yield* append("pins", keys(5, "after")) // beyond the snapshot: not read by this run
            const got = yield* Stream.runCollect(c.records)
            yield* c.commit(got)
            return got
          })
        )
      const firstRun = yield* read("archive")
      assert.deepStrictEqual(firstRun.map((r) => r.key).sort(), keys(30).sort())
      const secondRun = yield* read("archive")
      assert.deepStrictEqual(secondRun.map((r) => r.key).sort(), keys(5, "after").sort())
      // the group now stands 5 records (appended during the second run) before the end of the log
      const ends = yield* Effect.forEach([0, 1, 2], (p) => log.endOffset("pins", p))
      const committed = yield* Effect.forEach([0, 1, 2], (p) => log.committed("archive", "pins", p))
      assert.strictEqual(ends.reduce((a, b) => a + b, 0) - committed.reduce((a, b) => a + b, 0), 5)
    }).pipe(Effect.provide(Env))
  )

  it.effect("lag: each partition's end offset minus the group's committed offset, read from the log", () =>
    Effect.gen(function* () {
      const log = yield* InMemoryLog
      yield* log.createTopic("lagged", 2)
      yield* append("lagged", keys(10))
      const source = yield* PinSource
      const ends = yield* Effect.forEach([0, 1], (p) => log.endOffset("lagged", p))
      const before = yield* source.lag({ group: "lg", topics: ["lagged"] })
      assert.deepStrictEqual(before, [
        { topic: "lagged", partition: 0, end: ends[0] ?? -1, committed: 0, lag: ends[0] ?? -1 },
        { topic: "lagged", partition: 1, end: ends[1] ?? -1, committed: 0, lag: ends[1] ?? -1 }
      ])
      assert.strictEqual((ends[0] ?? 0) + (ends[1] ?? 0), 10)
      yield* log.commit("lg", "lagged", 0, 1)
      yield* log.commit("lg", "lagged", 1, ends[1] ?? 0)
      const after = yield* source.lag({ group: "lg", topics: ["lagged"] })
      assert.deepStrictEqual(
        after.map((l) => [l.partition, l.committed, l.lag]),
        [
          [0, 1, (ends[0] ?? 0) - 1],
          [1, ends[1] ?? -1, 0]
        ]
      )
    }).pipe(Effect.provide(Env))
  )
})
