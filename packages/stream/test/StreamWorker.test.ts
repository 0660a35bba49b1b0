import { assert, describe, it } from "@effect/vitest"
import { InMemoryLog, PinSource, PinStore, PinStoreMemory, type SourceRecord } from "@pinflow/adapters"
import { Clock, Deferred, Duration, Effect, Fiber, Layer, Metric, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import { layerStreamHealth, stallReason } from "../src/StreamHealth.ts"
import * as M from "../src/StreamMetrics.ts"
import { StreamSettings, type StreamSettingsShape } from "../src/StreamSettings.ts"
import { cut, runWorker, streamWorker } from "../src/StreamWorker.ts"
import { event, record } from "./Fixtures.ts"

const env = (settings: Partial<StreamSettingsShape> = {}, partitions = 1) =>
  Layer.mergeAll(PinSource.layerMemory, PinStore.layerMemory, StreamSettings.layerWith(settings)).pipe(
    Layer.provideMerge(InMemoryLog.layerPartitions(partitions))
  )

const append = (values: ReadonlyArray<{ key: string; value: string }>, topic = "pins") =>
  Effect.flatMap(InMemoryLog, (log) => log.append(topic, values))

const events = (n: number, prefix = "p") =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: event(`${prefix}${i}`, { index: i }) }))

/** An in-memory log that counts the records the worker's source has read from it (in `taken`). */
const countingLog = (taken: Ref.Ref<number>) =>
  Layer.effect(
    InMemoryLog,
    Effect.gen(function* () {
      const log = yield* InMemoryLog.make(1)
      return InMemoryLog.of({
        ...log,
        read: (topic, partition, offset, max) =>
          Effect.tap(log.read(topic, partition, offset, max), (records) => Ref.update(taken, (n) => n + records.length))
      })
    })
  )

/** Lets the other fibers run until `done` holds (no clock involved). */
const settle = <E, R>(done: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2000; i++) {
      if (yield* done) return
      yield* Effect.yieldNow
    }
    assert.fail("the worker did not get there")
  })

/** Lets the worker take what was appended, then moves the test clock. */
const adjust = (duration: Duration.Input) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) yield* Effect.yieldNow
    yield* TestClock.adjust(duration)
  })

const writtenSizes = Effect.flatMap(PinStoreMemory, (m) =>
  Effect.map(m.writes, (ws) => ws.map((w) => w.pins.length + w.rejects.length))
)
const committed = (partition = 0, topic = "pins", group = "pinflow-stream") =>
  Effect.flatMap(InMemoryLog, (log) => log.committed(group, topic, partition))

const startWorker = Effect.gen(function* () {
  const stop = yield* Deferred.make<void>()
  const fiber = yield* Effect.forkChild(runWorker(stop))
  return { stop, fiber }
})

describe("stream worker on the in-memory log and store", () => {
  it.effect("without a window, an idle worker writes a lone record at once: the clock never moves", () =>
    Effect.gen(function* () {
      yield* startWorker
      yield* append(events(1))
      yield* settle(Effect.map(committed(), (c) => c === 1))
      assert.deepStrictEqual(yield* writtenSizes, [1])
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }).pipe(Effect.provide(env({ batchSize: 3, writeConcurrency: 1 })))
  )

  it.effect("without a window, batches grow under load: what arrived while the writer was busy, up to the size", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.hold
      yield* startWorker
      yield* append(events(1, "a"))
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      // the only writer is busy: these wait in the read-ahead buffer and make the next batches
      yield* append(events(7, "b"))
      yield* settle(Effect.flatMap(PinSource, () => Effect.succeed(true)))
      yield* store.release
      yield* settle(Effect.map(committed(), (c) => c === 8))
      assert.deepStrictEqual(yield* writtenSizes, [1, 3, 3, 1])
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }).pipe(Effect.provide(env({ batchSize: 3, writeConcurrency: 1 })))
  )

  it.effect("with STREAM_BATCH_WINDOW, writes a batch as soon as it is full, and the rest when the window closes", () =>
    Effect.gen(function* () {
      yield* startWorker
      yield* append(events(7))
      yield* settle(Effect.map(writtenSizes, (s) => s.length === 2))
      assert.deepStrictEqual(yield* writtenSizes, [3, 3])
      assert.strictEqual(yield* committed(), 6)
      yield* adjust("999 millis")
      assert.deepStrictEqual(yield* writtenSizes, [3, 3])
      yield* adjust("1 millis")
      yield* settle(Effect.map(committed(), (c) => c === 7))
      assert.deepStrictEqual(yield* writtenSizes, [3, 3, 1])
    }).pipe(Effect.provide(env({ batchSize: 3, batchWindow: Duration.seconds(1), writeConcurrency: 1 })))
  )

  it.effect("commits nothing while the store fails, retries with backoff, then commits after the write", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.failNext(3)
      yield* startWorker
      yield* append(events(5))
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      for (const backoff of ["100 millis", "200 millis"] as const) {
        assert.strictEqual(yield* committed(), 0)
        yield* adjust(backoff)
        yield* settle(Effect.map(store.attempts, (n) => n > 1))
      }
      assert.strictEqual(yield* committed(), 0)
      yield* adjust("400 millis")
      yield* settle(Effect.map(committed(), (c) => c === 5))
      assert.strictEqual(yield* store.attempts, 4)
      assert.strictEqual((yield* store.pins).size, 5)
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("keeps order within each partition and lands every event once, the last version of an id winning", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* startWorker
      yield* append(events(200))
      yield* append([{ key: "p7", value: event("p7", { title: "newer", ingested_at: "2026-11-26T10:00:01.000Z" }) }])
      yield* adjust("200 millis")
      yield* settle(Effect.map(store.pins, (p) => p.size === 200 && p.get("p7")?.title === "newer"))
      const log = yield* InMemoryLog
      yield* settle(
        Effect.map(
          Effect.forEach([0, 1, 2, 3], (p) => Effect.all([committed(p), log.endOffset("pins", p)])),
          (cs) => cs.every(([c, e]) => c === e)
        )
      )
      const writes = yield* store.writes
      for (const partition of [0, 1, 2, 3]) {
        const offsets = writes.flatMap((w) =>
          w.pins.filter((p) => p.partition === partition).map((p) => p.offset ?? -1)
        )
        assert.deepStrictEqual(
          offsets,
          [...offsets].sort((a, b) => a - b)
        )
      }
      assert.strictEqual((yield* store.pins).size, 200)
      assert.strictEqual((yield* store.pins).get("p7")?.title, "newer")
    }).pipe(Effect.provide(env({ batchSize: 16, writeConcurrency: 2 }, 4)))
  )

  it.effect("stores undecodable, unclean and edge-refused events as rejects; a refused pin never stalls", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.refuse(["poison"])
      yield* startWorker
      yield* append([
        { key: "a", value: "{not json" },
        { key: "b", value: event("b", { title: "", description: "" }) },
        { key: "poison", value: event("poison") },
        { key: "c", value: event("c") }
      ])
      yield* append(
        [
          {
            key: "x",
            value: JSON.stringify({ reason: "schema", detail: "d", raw: "r", rejected_at: "2026-11-26T00:00:00Z" })
          }
        ],
        "pins.rejected"
      )
      yield* adjust("200 millis")
      yield* settle(Effect.map(store.rejects, (r) => r.length === 4))
      const rejects = yield* store.rejects
      assert.deepStrictEqual(
        rejects.map((r) => [r.reason, r.source, r.topic, r.offset]).sort(),
        [
          ["empty_pin", "stream", "pins", 1],
          ["invalid_json", "stream", "pins", 0],
          ["schema", "ingest", "pins.rejected", 0],
          ["unstorable", "stream", "pins", 2]
        ].sort()
      )
      assert.deepStrictEqual([...(yield* store.pins).keys()], ["c"])
      yield* settle(Effect.map(committed(), (c) => c === 4))
      assert.strictEqual(yield* committed(0, "pins.rejected"), 1)
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("isolates whatever the store refuses, pins and rejects alike, lands the rest and never fails", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.refuse(["poison1", "poison2"])
      // refused as it is (its last-resort form has another detail) / also as last resort / in every form
      yield* store.refuseRejects(
        (r) =>
          r.detail === "refuse as is" ||
          r.detail.includes("refuse twice") ||
          (r.topic === "pins.rejected" && r.offset === 2)
      )
      const { stop, fiber } = yield* startWorker
      yield* append([
        { key: "g0", value: event("g0") },
        { key: "poison1", value: event("poison1") },
        { key: "g1", value: event("g1") },
        { key: "g2", value: event("g2") },
        { key: "poison2", value: event("poison2") },
        { key: "g3", value: event("g3") },
        { key: "g4", value: event("g4") }
      ])
      const edgeReject = (detail: string) =>
        JSON.stringify({ reason: "schema", detail, unique_id: "e", raw: { x: 1 }, rejected_at: "2026-11-26T00:00:00Z" })
      yield* append(
        [
          { key: "e", value: edgeReject("refuse as is") },
          { key: "e", value: edgeReject("refuse twice") },
          { key: "e", value: edgeReject("refused in every form") },
          { key: "e", value: edgeReject("fine") }
        ],
        "pins.rejected"
      )
      yield* settle(
        Effect.map(Effect.all([committed(), committed(0, "pins.rejected")]), ([p, r]) => p === 7 && r === 4)
      )
      assert.deepStrictEqual([...(yield* store.pins).keys()].sort(), ["g0", "g1", "g2", "g3", "g4"])
      const now = "1970-01-01T00:00:00.000Z"
      const rows = (yield* store.rejects)
        .map((r) => ({ ...r }))
        .sort((a, b) => (`${a.topic}/${a.offset}` < `${b.topic}/${b.offset}` ? -1 : 1))
      assert.deepStrictEqual(rows, [
        {
          reason: "schema",
          detail:
            "the database refused this reject (value refused in reject at offset 0); stored in last-resort form, text JSON-escaped; detail: refuse as is",
          unique_id: "e",
          raw: JSON.stringify('{"x":1}'),
          source: "ingest",
          topic: "pins.rejected",
          partition: 0,
          offset: 0,
          rejected_at: now
        },
        {
          reason: "unstorable",
          detail: "the database refused this reject even in its last-resort form: value refused in reject at offset 1",
          unique_id: null,
          raw: "",
          source: "ingest",
          topic: "pins.rejected",
          partition: 0,
          offset: 1,
          rejected_at: now
        },
        {
          reason: "schema",
          detail: "fine",
          unique_id: "e",
          raw: '{"x":1}',
          source: "ingest",
          topic: "pins.rejected",
          partition: 0,
          offset: 3,
          rejected_at: "2026-11-26T00:00:00.000Z"
        },
        {
          reason: "unstorable",
          detail: "the database refused this pin: value refused in pin poison1",
          unique_id: "poison1",
          raw: event("poison1"),
          source: "stream",
          topic: "pins",
          partition: 0,
          offset: 1,
          rejected_at: now
        },
        {
          reason: "unstorable",
          detail: "the database refused this pin: value refused in pin poison2",
          unique_id: "poison2",
          raw: event("poison2"),
          source: "stream",
          topic: "pins",
          partition: 0,
          offset: 4,
          rejected_at: now
        }
      ])
      yield* Deferred.succeed(stop, undefined)
      yield* Fiber.join(fiber)
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("keeps a pin whose write makes the store die (a defect, not an error) as an unstorable reject", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* startWorker
      yield* append([
        { key: "a", value: event("a") },
        { key: "dies", value: event("dies") },
        { key: "b", value: event("b") }
      ])
      yield* adjust("200 millis")
      yield* settle(Effect.map(committed(), (c) => c === 3))
      assert.deepStrictEqual([...(yield* store.pins).keys()].sort(), ["a", "b"])
      assert.deepStrictEqual(
        (yield* store.rejects).map((r) => [r.reason, r.unique_id, r.offset, r.detail]),
        [["unstorable", "dies", 1, "the database refused this pin: the driver threw"]]
      )
    }).pipe(
      Effect.provide(
        Layer.effect(
          PinStore,
          Effect.map(PinStoreMemory, (memory) =>
            PinStore.of({
              writeBatch: (batch) =>
                batch.pins.some((p) => p.unique_id === "dies")
                  ? Effect.die(new TypeError("the driver threw"))
                  : memory.writeBatch(batch)
            })
          )
        ).pipe(Layer.provideMerge(env({ batchSize: 100 })))
      )
    )
  )

  it.effect("splits a rejects-only batch like any other: only the refused reject changes form", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.refuseRejects((r) => r.offset === 5 && r.reason === "invalid_json")
      yield* startWorker
      yield* append(
        Array.from({ length: 8 }, (_, i) => ({ key: `r${i}`, value: `not json ${i}` })),
        "pins.rejected"
      )
      yield* adjust("200 millis")
      yield* settle(Effect.map(committed(0, "pins.rejected"), (c) => c === 8))
      const rejects = yield* store.rejects
      assert.deepStrictEqual(
        rejects.map((r) => [r.offset, r.reason, r.raw]).sort((a, b) => Number(a[0]) - Number(b[0])),
        Array.from({ length: 8 }, (_, i) => (i === 5 ? [5, "unstorable", ""] : [i, "invalid_json", `not json ${i}`]))
      )
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("on interruption finishes the write in flight, commits it, and stops", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.hold
      const fiber = yield* Effect.forkChild(streamWorker)
      yield* append(events(10))
      yield* adjust("200 millis")
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      // the interruption is sent, for certain, while the write is held
      const sent = yield* Deferred.make<void>()
      const interrupted = yield* Effect.forkChild(
        Effect.andThen(Deferred.succeed(sent, undefined), Fiber.interrupt(fiber))
      )
      yield* Deferred.await(sent)
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow
      assert.isUndefined(fiber.pollUnsafe(), "the worker waits for its write")
      assert.strictEqual(yield* committed(), 0)
      yield* append(events(5, "late"))
      yield* store.release
      yield* Fiber.join(interrupted)
      assert.isDefined(fiber.pollUnsafe())
      assert.strictEqual(yield* committed(), 10)
      // the write in flight landed; nothing read after the interruption was written
      assert.deepStrictEqual(
        [...(yield* store.pins).keys()].sort(),
        events(10)
          .map((e) => e.key)
          .sort()
      )
      assert.strictEqual(yield* store.attempts, 1)
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("stops reading while the store is stalled: the read-ahead buffer bounds what is taken", () => {
    const taken = Ref.makeUnsafe(0)
    return Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.hold
      yield* startWorker
      yield* append(events(5000))
      yield* adjust("200 millis")
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      for (let i = 0; i < 500; i++) yield* Effect.yieldNow
      // two reads of 512 from the log: one handed over (the write holds 100, the stream's stages and the
      // 200-record buffer the rest), one waiting to be handed over; nothing more is taken (unbounded: 5000)
      assert.strictEqual(yield* Ref.get(taken), 1024)
      assert.strictEqual(yield* store.attempts, 1)
      assert.strictEqual(yield* committed(), 0)
      yield* store.release
      yield* adjust("1 second")
      yield* settle(Effect.map(committed(), (c) => c === 5000))
      assert.strictEqual(yield* Ref.get(taken), 5000)
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          PinSource.layerMemory,
          PinStore.layerMemory,
          StreamSettings.layerWith({ batchSize: 100, bufferSize: 200, writeConcurrency: 1 })
        ).pipe(Layer.provideMerge(countingLog(taken)))
      )
    )
  })

  it.effect("retries a failing store with capped exponential backoff: 100 ms doubling to 5 s, then every 5 s", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      yield* store.failNext(10)
      yield* startWorker
      yield* append(events(3))
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      const delays = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]
      for (const [i, delay] of delays.entries()) {
        yield* adjust(delay - 1)
        assert.strictEqual(yield* store.attempts, i + 1, `before the retry after ${delay} ms`)
        yield* adjust(1)
        yield* settle(Effect.map(store.attempts, (n) => n === i + 2))
      }
      yield* settle(Effect.map(committed(), (c) => c === 3))
      assert.strictEqual(yield* store.attempts, 11)
    }).pipe(Effect.provide(env({ batchSize: 100 })))
  )

  it.effect("reads the lag from the broker on a timer, not from what it fetched, and reports a stall on /healthz", () =>
    Effect.gen(function* () {
      const store = yield* PinStoreMemory
      const topic = "pins-lag-test"
      const lagOf = (partition: number) =>
        Effect.map(
          Metric.value(Metric.withAttributes(M.consumerLag, { topic, partition: String(partition) })),
          (state) => state.value
        )
      yield* store.hold
      yield* startWorker
      yield* append(events(10), topic)
      // the worker has fetched all 10 and is stuck writing them: the broker still counts 10 behind
      yield* adjust("200 millis")
      yield* settle(Effect.map(store.attempts, (n) => n === 1))
      yield* adjust("1 second")
      yield* settle(Effect.map(lagOf(0), (lag) => lag === 10))
      // 1.2 s without a commit, the limit is 5 windows of 200 ms
      assert.deepStrictEqual(
        yield* stallReason,
        Option.some("no offset committed for 1 s while 10 records wait (limit 1s)")
      )
      // read at the last tick (t = 1 s): nothing committed since the start
      assert.strictEqual((yield* Metric.value(M.lastCommitAge)).value, 1)
      yield* store.release
      yield* settle(Effect.map(committed(0, topic), (c) => c === 10))
      assert.deepStrictEqual(yield* stallReason, Option.none())
      yield* adjust("1 second")
      yield* settle(Effect.map(lagOf(0), (lag) => lag === 0))
      // read at t = 2 s, committed at t = 1.2 s
      assert.strictEqual((yield* Metric.value(M.lastCommitAge)).value, 0.8)
      // idle with nothing waiting: never stalled, however long since the last commit
      yield* adjust("10 seconds")
      assert.deepStrictEqual(yield* stallReason, Option.none())
    }).pipe(
      Effect.provide(
        Layer.merge(
          env({ batchSize: 100, pinsTopic: "pins-lag-test", lagInterval: Duration.seconds(1), stallAfter: 5 }),
          layerStreamHealth
        )
      )
    )
  )
})

describe("cut: batches bounded by count and by bytes", () => {
  const sized = (sizes: ReadonlyArray<number>) => sizes.map((n, offset) => record("x".repeat(n), offset))
  const shape = (batches: ReadonlyArray<ReadonlyArray<SourceRecord>>) => batches.map((b) => b.map((r) => r.offset))

  it("cuts at whichever of count and bytes comes first, in order", () => {
    assert.deepStrictEqual(shape(cut(sized([4, 4, 4, 1, 1, 1, 1]), 3, 10)), [
      [0, 1],
      [2, 3, 4],
      [5, 6]
    ])
  })

  it("a record larger than the byte bound is a batch of one, between the others", () => {
    assert.deepStrictEqual(shape(cut(sized([2, 50, 2, 2]), 10, 10)), [[0], [1], [2, 3]])
  })
})
