import { gzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { AnalyticsMemory, AnalyticsStore, ObjectStore } from "@pinflow/adapters"
import { makeMemoryAnalytics } from "@pinflow/adapters/AnalyticsStore/Memory"
import { Context, Deferred, Effect, Fiber, Layer, Queue } from "effect"
import { TestClock } from "effect/testing"
import { runDay } from "../src/BatchRun.ts"
import { missedDays, runDays, schedule } from "../src/BatchSchedule.ts"
import { catchUpDays } from "../src/Days.ts"
import { D, env, envWith, event, type Faults, faultyStore, seedEvents } from "./fixtures.ts"

const runsOf = Effect.map(AnalyticsMemory, (m) => m.runs.map((r) => [r.day, r.status, r.startedAt.toISOString()]))

/** Announces each finished run (runs do real asynchronous work, gzip on the thread pool, so tests wait for this). */
class RunsFinished extends Context.Service<RunsFinished, Queue.Queue<number>>()("test/RunsFinished") {}

/** The memory analytics store, announcing each `finishRun` on `RunsFinished`. */
const announcing = Layer.effect(
  AnalyticsStore,
  Effect.gen(function* () {
    const inner = makeMemoryAnalytics(yield* AnalyticsMemory)
    const finished = yield* RunsFinished
    return AnalyticsStore.of({
      ...inner,
      finishRun: (id, outcome) => inner.finishRun(id, outcome).pipe(Effect.andThen(Queue.offer(finished, id)))
    })
  })
).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      Layer.sync(AnalyticsMemory, () => ({ days: new Map(), runs: [], rejects: [], landed: new Map() })),
      Layer.effect(RunsFinished, Queue.unbounded<number>())
    )
  )
)

/** Waits until `count` more runs have finished, then returns every run so far. */
const settled = (count: number) =>
  Effect.gen(function* () {
    const finished = yield* RunsFinished
    for (let i = 0; i < count; i++) yield* Queue.take(finished)
    return yield* runsOf
  })

describe("batch schedule (TestClock)", () => {
  it.effect("fires at 00:00 UTC every day and processes the day that just ended", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-26T10:00:00Z"))
      yield* seedEvents([event(1, "2026-11-26T09:00:00Z")])
      const fiber = yield* Effect.forkChild(schedule)
      yield* TestClock.adjust("13 hours")
      assert.deepStrictEqual(yield* runsOf, [])
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(yield* settled(1), [["2026-11-26", "succeeded", "2026-11-27T00:00:00.000Z"]])
      yield* TestClock.adjust("1 day")
      assert.deepStrictEqual(yield* settled(1), [
        ["2026-11-26", "succeeded", "2026-11-27T00:00:00.000Z"],
        ["2026-11-27", "succeeded", "2026-11-28T00:00:00.000Z"]
      ])
      yield* Fiber.interrupt(fiber)
      const memory = yield* AnalyticsMemory
      assert.strictEqual(memory.days.get("2026-11-26")?.categories[0]?.pins, 1)
    }).pipe(Effect.provide(envWith(announcing)))
  )

  const faults: Faults = { put: 0, list: 0 }
  it.effect("retries a failed run with exponential backoff (1 min, 2 min, …) until it succeeds", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-26T23:00:00Z"))
      yield* seedEvents([event(1, "2026-11-26T09:00:00Z")])
      faults.put = 2 // the store is down for the first two attempts
      const fiber = yield* Effect.forkChild(schedule)
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(yield* settled(1), [["2026-11-26", "failed", "2026-11-27T00:00:00.000Z"]])
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual((yield* settled(1)).at(-1), ["2026-11-26", "failed", "2026-11-27T00:01:00.000Z"])
      // the next retry waits 2 minutes: moving the clock one minute at a time, it starts at 00:03, not 00:02
      yield* TestClock.adjust("1 minute")
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* settled(1), [
        ["2026-11-26", "failed", "2026-11-27T00:00:00.000Z"],
        ["2026-11-26", "failed", "2026-11-27T00:01:00.000Z"],
        ["2026-11-26", "succeeded", "2026-11-27T00:03:00.000Z"]
      ])
      yield* Fiber.interrupt(fiber)
      const memory = yield* AnalyticsMemory
      assert.strictEqual(memory.days.get("2026-11-26")?.categories[0]?.pins, 1)
    }).pipe(Effect.provide(envWith(announcing, {}, faultyStore(faults))))
  )

  it.effect("runs never overlap: a run while another holds the lock fails with BatchRunInProgress", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-27T00:00:00Z"))
      yield* seedEvents([event(1, `${D}T09:00:00Z`)])
      const store = yield* AnalyticsStore
      const held = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* store
        .withRunLock(Deferred.succeed(held, undefined).pipe(Effect.andThen(Deferred.await(release))))
        .pipe(Effect.forkChild)
      yield* Deferred.await(held)
      const error = yield* runDay(D).pipe(Effect.flip)
      assert.strictEqual(error._tag, "BatchRunInProgress")
      assert.deepStrictEqual(yield* runsOf, [])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const summary = yield* runDay(D)
      assert.strictEqual(summary.process.pins, 1)
    }).pipe(Effect.provide(env()))
  )

  it.effect("catch-up runs every day since the last succeeded one, oldest first, bounded", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-20T01:00:00Z"))
      yield* runDay("2026-11-19")
      yield* TestClock.setTime(Date.parse("2026-11-26T05:00:00Z"))
      assert.deepStrictEqual(yield* missedDays, [
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
        "2026-11-25"
      ])
      const bounded = yield* missedDays.pipe(Effect.provide(env({ catchUpMaxDays: 2 }).pipe(Layer.fresh)))
      assert.deepStrictEqual(bounded, ["2026-11-25"])
      const result = yield* runDays(yield* missedDays)
      assert.deepStrictEqual(result, { days: 6, failed: 0 })
      assert.deepStrictEqual(yield* missedDays, [])
      const state = { succeeded: new Set(["2026-11-19"]), firstRunDay: "2026-11-19", archived: new Set<string>() }
      assert.deepStrictEqual(catchUpDays("2026-11-25", 2, state), ["2026-11-24", "2026-11-25"])
    }).pipe(Effect.provide(env()))
  )

  it.effect("catch-up keeps a day that failed on two nights although later days succeeded", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      const record = (day: string, status: "succeeded" | "failed") =>
        Effect.gen(function* () {
          const started = new Date(`${day}T23:59:00Z`)
          const id = yield* store.startRun(day, started)
          yield* store.finishRun(id, { status, finishedAt: started, counts: {} })
        })
      yield* record("2026-11-20", "succeeded")
      yield* record("2026-11-21", "failed") // night 1, after its retries
      yield* record("2026-11-21", "failed") // night 2: caught up, failed again…
      yield* record("2026-11-22", "succeeded") // …while the next day succeeded
      yield* record("2026-11-23", "succeeded")
      yield* record("2026-11-24", "succeeded")
      // before the first run: a day with archived objects is due, one without is not
      const objects = yield* ObjectStore
      yield* objects.put("raw/pins/dt=2026-11-10/part-0-0-0.ndjson.gz", gzipSync("{}\n"))
      yield* objects.put("raw/pins/dt=2026-11-11/notes.txt", new Uint8Array(1))
      yield* TestClock.setTime(Date.parse("2026-11-26T00:00:00Z"))
      assert.deepStrictEqual(yield* missedDays, ["2026-11-10", "2026-11-21", "2026-11-25"])

      // bounded by BATCH_CATCH_UP_MAX_DAYS: the 5 days up to yesterday
      assert.deepStrictEqual(
        catchUpDays("2026-11-25", 5, {
          succeeded: new Set(["2026-11-20", "2026-11-22", "2026-11-23", "2026-11-24"]),
          firstRunDay: "2026-11-20",
          archived: new Set(["2026-11-10"])
        }),
        ["2026-11-21", "2026-11-25"]
      )
      const result = yield* runDays(yield* missedDays)
      assert.deepStrictEqual(result, { days: 3, failed: 0 })
      assert.deepStrictEqual(yield* missedDays, [])
    }).pipe(Effect.provide(env()))
  )

  it.effect("a catch-up after days without runs processes each day once: the first run takes the others along", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-20T01:00:00Z"))
      yield* runDay("2026-11-19")
      const days = ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
      yield* seedEvents(days.map((day, i) => event(i, `${day}T12:00:00Z`)))
      yield* TestClock.setTime(Date.parse("2026-11-26T00:00:00Z"))
      assert.deepStrictEqual(yield* missedDays, days)
      assert.deepStrictEqual(yield* runDays(days), { days: 6, failed: 0 })
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.day, r.status]),
        ["2026-11-19", ...days].map((day) => [day, "succeeded"])
      )
      for (const day of days) assert.strictEqual(memory.days.get(day)?.categories.length, 1, day)
      assert.deepStrictEqual(yield* missedDays, [])
    }).pipe(Effect.provide(env()))
  )
})
