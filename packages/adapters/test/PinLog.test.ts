import { assert, describe, it } from "@effect/vitest"
import { defaultBatcherOptions, InMemoryLog, PinLog, PinLogMemory } from "@pinflow/adapters"
import type { LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import { Effect, Fiber, Layer } from "effect"
import { makeBatcher, type OutMessage } from "../src/PinLog/Batcher.ts"
import { keyPartition } from "../src/PinLog/Partitioner.ts"

const event = (id: string): LoggedPinEvent => ({
  index: 1,
  unique_id: id,
  title: "t",
  description: "d",
  follower_count: "7k",
  tag_list: "a,b",
  is_image_or_video: "image",
  image_src: "https://x/y.jpg",
  downloaded: 1,
  save_location: "Local save in /data/art",
  category: "art",
  ingested_at: "2026-11-26T10:00:00.000Z"
})
const reject: RejectedEvent = {
  reason: "schema",
  detail: "index: Missing key",
  unique_id: "r1",
  raw: { unique_id: "r1" },
  rejected_at: "2026-11-26T10:00:00.000Z"
}

const memory = (options: Parameters<typeof PinLog.layerMemoryWith>[0]) =>
  PinLog.layerMemoryWith(options).pipe(Layer.provideMerge(InMemoryLog.layer))

describe("PinLog.layerMemory", () => {
  it.live("appends pins keyed by unique_id and rejects to the rejected topic, in one acknowledged write", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* log.write({ pins: [event(" a "), event("b")], rejected: [reject] })
      const pins = yield* mem.pins
      assert.deepStrictEqual(pins.map((p) => p.key).sort(), ["a", "b"])
      assert.deepStrictEqual(pins.find((p) => p.key === "b")?.value, event("b"))
      assert.deepStrictEqual(yield* mem.rejected, [{ key: "r1", value: reject }])
    }).pipe(Effect.provide(memory({})))
  )

  it.live("batches concurrent writers and completes each one", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) => log.write({ pins: [event(`id-${i}`)], rejected: [] }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual((yield* mem.pins).length, 200)
      assert.deepStrictEqual(yield* log.depth, { events: 0, bytes: 0 })
    }).pipe(Effect.provide(memory({ maxBatchEvents: 16 })))
  )

  it.live("with two sends in flight, every writer still completes exactly when its records are in", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => i),
        (i) => log.write({ pins: [event(`c-${i}`), event(`d-${i}`)], rejected: [] }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual((yield* mem.pins).length, 600)
      assert.deepStrictEqual(yield* log.depth, { events: 0, bytes: 0 })
    }).pipe(Effect.provide(memory({ maxBatchEvents: 25, concurrency: 2 })))
  )

  it.live("refuses at once when the queue is full and times out when nothing is acknowledged", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* mem.hold(true)
      const first = yield* Effect.forkChild(log.write({ pins: [event("1")], rejected: [] }))
      yield* Effect.sleep("20 millis")
      const second = yield* Effect.forkChild(log.write({ pins: [event("2"), event("3")], rejected: [] }))
      yield* Effect.sleep("20 millis")
      const full = yield* log.write({ pins: [event("4")], rejected: [] }).pipe(Effect.flip)
      assert.strictEqual(full.reason, "overloaded")
      const timedOut = yield* Fiber.join(second).pipe(Effect.flip)
      assert.strictEqual(timedOut.reason, "timeout")
      yield* mem.hold(false)
      const late = yield* Fiber.join(first).pipe(Effect.flip)
      // The first batch was in flight when its deadline passed: the caller hears "timeout", even
      // though the write lands afterwards (a duplicate on retry is harmless: last write wins).
      assert.strictEqual(late.reason, "timeout")
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key),
        ["1"]
      )
    }).pipe(Effect.provide(memory({ maxQueueEvents: 2, ackTimeout: "300 millis" })))
  )

  it.live("fails fast while the log is down and recovers when it is back", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* mem.setUp(false)
      assert.isFalse(yield* log.ready)
      const down = yield* log.write({ pins: [event("x")], rejected: [] }).pipe(Effect.flip)
      assert.strictEqual(down.reason, "down")
      yield* mem.setUp(true)
      yield* log.write({ pins: [event("y")], rejected: [] })
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key),
        ["y"]
      )
    }).pipe(Effect.provide(memory({})))
  )

  it.live("splits a write larger than one batch and completes it when every part is acknowledged", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* log.write({ pins: Array.from({ length: 50 }, (_, i) => event(`big-${i}`)), rejected: [] })
      assert.strictEqual((yield* mem.pins).length, 50)
    }).pipe(Effect.provide(memory({ maxBatchEvents: 7, maxBatchBytes: 2_000 })))
  )
})

describe("batcher with routed messages (the Kafka log)", () => {
  it.live(
    "caps each partition's bytes per send whatever the keys: a flood of one unique_id never makes an oversized batch",
    () =>
      Effect.gen(function* () {
        const partitions = 6
        const cap = 768 * 1024
        const sent: Array<ReadonlyArray<OutMessage>> = []
        const batcher = yield* makeBatcher(
          (batch: ReadonlyArray<OutMessage>) => Effect.sync(() => void sent.push(batch)),
          () => true,
          { ...defaultBatcherOptions, maxBatchBytes: 3 * 1024 * 1024, maxPartitionBytes: cap },
          undefined,
          (m) => (m.key === null ? undefined : keyPartition(m.key, partitions))
        )
        const value = "x".repeat(1000)
        // a /pins body repeating one unique_id 4,000 times (~4 MB for one partition), then ordinary ids
        const flood = Array.from({ length: 4000 }, (): OutMessage => ({ topic: "pins", key: "same-id", value }))
        const spread = Array.from({ length: 900 }, (_, i): OutMessage => ({ topic: "pins", key: `id-${i}`, value }))
        yield* batcher.offer([...flood, ...spread])

        const all = sent.flat()
        assert.deepStrictEqual(
          all.map((m) => m.key),
          [...flood, ...spread].map((m) => m.key)
        )
        for (const m of all) assert.strictEqual(m.partition, keyPartition(m.key ?? "", partitions))
        for (const batch of sent) {
          const bytes = new Map<number | undefined, number>()
          for (const m of batch)
            bytes.set(
              m.partition,
              (bytes.get(m.partition) ?? 0) + Buffer.byteLength(m.value) + Buffer.byteLength(m.key ?? "")
            )
          assert.isAtMost(Math.max(...bytes.values()), cap)
        }
        // the flood alone needs at least 4000 KB / 768 KiB sends; ordinary ids still share sends
        assert.isAtLeast(sent.length, 6)
        assert.isAbove(Math.max(...sent.map((b) => new Set(b.map((m) => m.partition)).size)), 1)
      }).pipe(Effect.scoped)
  )
})
