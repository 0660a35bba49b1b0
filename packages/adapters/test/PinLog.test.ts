import * as v8 from "node:v8"
import * as vm from "node:vm"
import { assert, describe, it } from "@effect/vitest"
import { defaultBatcherOptions, encodePin, InMemoryLog, type LogWrite, PinLog, PinLogMemory } from "@pinflow/adapters"
import type { LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import { Deferred, Effect, Exit, Fiber, Layer, Schedule } from "effect"
import { Partitioners } from "kafkajs"
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

/** What kafkajs' producer picks for a keyed message on a topic with `partitions` partitions. */
const kafkajsPartition = (key: string, partitions: number): number =>
  Partitioners.DefaultPartitioner()({
    topic: "pins",
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0]
    })),
    message: { key, value: "{}" }
  })

const message = (key: string): OutMessage => ({ topic: "pins", key, value: `{"unique_id":"${key}"}` })

/** Waits until `condition` holds (checked every few ms, at most 5 s): orders a test by state, not by sleeps. */
/** A write of pins (encoded as the edge does) and rejects. */
const pinWrite = (events: ReadonlyArray<LoggedPinEvent>, rejected: ReadonlyArray<RejectedEvent>): LogWrite => ({
  type: "pin",
  events: events.map(encodePin),
  rejected
})

const eventually = (condition: Effect.Effect<boolean>) =>
  condition.pipe(
    Effect.repeat({ schedule: Schedule.spaced("2 millis"), until: (held) => held }),
    Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.die(new Error("condition never held")) }),
    Effect.asVoid
  )

const memory = (options: Parameters<typeof PinLog.layerMemoryWith>[0]) =>
  PinLog.layerMemoryWith(options).pipe(Layer.provideMerge(InMemoryLog.layer))

describe("PinLog.layerMemory", () => {
  it.live("appends pins keyed by unique_id and rejects to the rejected topic, in one acknowledged write", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* log.write(pinWrite([event(" a "), event("b")], [reject]))
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
      // the first send is held, so the other 199 writers queue behind it and go out together
      yield* mem.hold(true)
      const writers = yield* Effect.forkChild(
        Effect.forEach(
          Array.from({ length: 200 }, (_, i) => i),
          (i) => log.write(pinWrite([event(`id-${i}`)], [])),
          { concurrency: "unbounded" }
        )
      )
      yield* eventually(Effect.map(mem.heldSends, (n) => n === 1))
      const [first = 0] = yield* mem.sendSizes
      yield* eventually(Effect.map(log.depth, (d) => d.events === 200 - first))
      yield* mem.hold(false)
      yield* Fiber.join(writers)
      // the held send, then the writers queued behind it in full sends of 16 and one remainder
      const rest = 200 - first
      assert.deepStrictEqual(yield* mem.sendSizes, [
        first,
        ...Array.from({ length: Math.floor(rest / 16) }, () => 16),
        ...(rest % 16 === 0 ? [] : [rest % 16])
      ])
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key).sort(),
        Array.from({ length: 200 }, (_, i) => `id-${i}`).sort()
      )
      assert.deepStrictEqual(yield* log.depth, { events: 0, bytes: 0 })
    }).pipe(Effect.provide(memory({ maxBatchEvents: 16 })))
  )

  it.live("with two sends in flight, every writer still completes exactly when its records are in", () =>
    Effect.gen(function* () {
      let active = 0
      let mostActive = 0
      const bothStarted = Deferred.makeUnsafe<void>()
      const landed = new Set<string>()
      const batcher = yield* makeBatcher(
        (batch: ReadonlyArray<OutMessage>) =>
          Effect.gen(function* () {
            active += 1
            mostActive = Math.max(mostActive, active)
            if (active === 2) Deferred.doneUnsafe(bothStarted, Exit.void)
            // the first two sends wait for each other: only two sends in flight at once get past this
            yield* Deferred.await(bothStarted)
            for (const m of batch) landed.add(m.key ?? "")
            active -= 1
          }),
        () => true,
        { ...defaultBatcherOptions, maxBatchEvents: 25, concurrency: 2 }
      )
      yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => i),
        (i) =>
          batcher.offer([message(`c-${i}`), message(`d-${i}`)]).pipe(
            // the writer's answer comes only after both of its records landed
            Effect.tap(() => Effect.sync(() => assert.isTrue(landed.has(`c-${i}`) && landed.has(`d-${i}`), `${i}`)))
          ),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(mostActive, 2)
      assert.strictEqual(landed.size, 600)
      assert.deepStrictEqual(batcher.depth(), { events: 0, bytes: 0 })
    }).pipe(Effect.scoped, Effect.timeout("10 seconds"))
  )

  it.live("refuses at once when the queue is full and times out when nothing is acknowledged", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* mem.hold(true)
      const first = yield* Effect.forkChild(log.write(pinWrite([event("1")], [])))
      yield* eventually(Effect.map(mem.heldSends, (n) => n === 1))
      const second = yield* Effect.forkChild(log.write(pinWrite([event("2"), event("3")], [])))
      yield* eventually(Effect.map(log.depth, (d) => d.events === 2))
      const full = yield* log.write(pinWrite([event("4")], [])).pipe(Effect.flip)
      assert.strictEqual(full._tag === "PinLogUnavailable" && full.reason, "overloaded")
      const timedOut = yield* Fiber.join(second).pipe(Effect.flip)
      assert.strictEqual(timedOut._tag === "PinLogUnavailable" && timedOut.reason, "timeout")
      yield* mem.hold(false)
      const late = yield* Fiber.join(first).pipe(Effect.flip)
      // The first batch was in flight when its deadline passed: the caller hears "timeout", even
      // though the write lands afterwards (a duplicate on retry is harmless: last write wins).
      assert.strictEqual(late._tag === "PinLogUnavailable" && late.reason, "timeout")
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key),
        ["1"]
      )
    }).pipe(Effect.provide(memory({ maxQueueEvents: 2, ackTimeout: "300 millis" })))
  )

  it.live("refuses a write bigger than the whole queue at once, even when the queue is empty", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const refused = yield* log.write(pinWrite([event("a"), event("b"), event("c")], [])).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "PinLogRefused")
      assert.strictEqual(refused._tag === "PinLogRefused" && refused.reason, "request_too_large")
      yield* log.write(pinWrite([event("a"), event("b")], []))
    }).pipe(Effect.provide(memory({ maxQueueEvents: 2 })))
  )

  it.live("fails fast while the log is down and recovers when it is back", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* mem.setUp(false)
      assert.isFalse(yield* log.ready)
      const down = yield* log.write(pinWrite([event("x")], [])).pipe(Effect.flip)
      assert.strictEqual(down.reason, "down")
      yield* mem.setUp(true)
      yield* log.write(pinWrite([event("y")], []))
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key),
        ["y"]
      )
    }).pipe(Effect.provide(memory({})))
  )

  it.live("records queued when the log goes down are sent once it is back (the flusher waits on the link)", () =>
    Effect.gen(function* () {
      const log = yield* PinLog
      const mem = yield* PinLogMemory
      yield* mem.hold(true)
      const first = yield* Effect.forkChild(log.write(pinWrite([event("1")], [])))
      yield* eventually(Effect.map(mem.heldSends, (n) => n === 1))
      // queued behind the send in flight (one at a time), then the log goes down before it is taken
      const second = yield* Effect.forkChild(log.write(pinWrite([event("2")], [])))
      yield* eventually(Effect.map(log.depth, (d) => d.events === 1))
      yield* mem.setUp(false)
      yield* mem.hold(false)
      yield* Fiber.join(first)
      assert.deepStrictEqual(yield* log.depth, { events: 1, bytes: (yield* log.depth).bytes })
      yield* mem.setUp(true)
      yield* Fiber.join(second)
      assert.deepStrictEqual(
        (yield* mem.pins).map((p) => p.key),
        ["1", "2"]
      )
    }).pipe(Effect.provide(memory({ ackTimeout: "5 seconds" })), Effect.timeout("4 seconds"))
  )

  it.live("keeps no sent write's messages: the queue's memory follows what waits, not what went", () =>
    Effect.gen(function* () {
      v8.setFlagsFromString("--expose-gc")
      const collectGarbage = vm.runInNewContext("gc") as () => void
      const batcher = yield* makeBatcher(
        () => Effect.void,
        () => true,
        defaultBatcherOptions
      )
      const writes: Array<WeakRef<ReadonlyArray<OutMessage>>> = []
      for (let w = 0; w < 20; w++) {
        const messages = Array.from({ length: 10 }, (_, i) => message(`${w}-${i}`))
        writes.push(new WeakRef(messages))
        yield* batcher.offer(messages)
      }
      for (let i = 0; i < 3; i++) {
        collectGarbage()
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      // the last write may still sit in this generator's registers; every earlier one must be gone
      assert.isAtMost(writes.filter((w) => w.deref() !== undefined).length, 1)
      assert.deepStrictEqual(batcher.depth(), { events: 0, bytes: 0 })
    }).pipe(Effect.scoped)
  )

  it.live("splits a write larger than one batch and completes it when every part is acknowledged", () =>
    Effect.gen(function* () {
      const sent: Array<ReadonlyArray<OutMessage>> = []
      let done = false
      const batcher = yield* makeBatcher(
        (batch: ReadonlyArray<OutMessage>) =>
          Effect.sync(() => {
            assert.isFalse(done, "a send after the writer completed")
            sent.push(batch)
          }),
        () => true,
        { ...defaultBatcherOptions, maxBatchEvents: 7, maxBatchBytes: 2_000 }
      )
      const value = "v".repeat(284) // 300 bytes a message with its 16 bytes of overhead and no key
      const messages = Array.from(
        { length: 50 },
        (_, i): OutMessage => ({ topic: "pins", key: null, value: `${value}${i % 10}` })
      )
      yield* batcher.offer(messages)
      done = true
      // 2,000 bytes hold 6 messages of ~301 bytes (under the 7-message cap): 8 sends of 6, then 2
      assert.deepStrictEqual(
        sent.map((b) => b.length),
        [6, 6, 6, 6, 6, 6, 6, 6, 2]
      )
      assert.deepStrictEqual(sent.flat(), messages)
    }).pipe(Effect.scoped)
  )
})

describe("a record the broker refuses", () => {
  it.live("is found by halving the send: only its writer fails, the link is not reported broken", () =>
    Effect.gen(function* () {
      const sends: Array<ReadonlyArray<string>> = []
      const linkFailures: Array<string> = []
      const gate = Deferred.makeUnsafe<void>()
      const batcher = yield* makeBatcher(
        (batch: ReadonlyArray<OutMessage>) =>
          Effect.gen(function* () {
            sends.push(batch.map((m) => m.key ?? ""))
            yield* Deferred.await(gate)
            if (batch.some((m) => m.value === "poison")) return yield* Effect.fail("MESSAGE_TOO_LARGE")
          }),
        () => true,
        { ...defaultBatcherOptions, maxBatchEvents: 8 },
        (error) => Effect.sync(() => void linkFailures.push(error)),
        undefined,
        (error) => (error === "MESSAGE_TOO_LARGE" ? "MESSAGE_TOO_LARGE: the broker said so" : undefined)
      )
      // w0's send is held while eight writers queue: they go out as one send of eight
      const first = yield* Effect.forkChild(batcher.offer([message("w0")]))
      yield* eventually(Effect.sync(() => sends.length === 1))
      const writers = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 8 }, (_, i) =>
            batcher.offer([{ topic: "pins", key: `w${i + 1}`, value: i === 4 ? "poison" : "ok" }]).pipe(Effect.result)
          ),
          { concurrency: "unbounded" }
        )
      )
      yield* eventually(Effect.sync(() => batcher.depth().events === 8))
      Deferred.doneUnsafe(gate, Exit.void)
      yield* Fiber.join(first)
      const results = yield* Fiber.join(writers)
      assert.deepStrictEqual(
        results.map((r) => (r._tag === "Success" ? "ok" : `${r.failure._tag}: ${r.failure.message}`)),
        [
          "ok",
          "ok",
          "ok",
          "ok",
          "PinLogRefused: Kafka refused the event: MESSAGE_TOO_LARGE: the broker said so",
          "ok",
          "ok",
          "ok"
        ]
      )
      assert.deepStrictEqual(sends, [
        ["w0"],
        ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"],
        ["w1", "w2", "w3", "w4"],
        ["w5", "w6", "w7", "w8"],
        ["w5", "w6"],
        ["w5"],
        ["w6"],
        ["w7", "w8"]
      ])
      assert.deepStrictEqual(linkFailures, [])
    }).pipe(Effect.scoped, Effect.timeout("10 seconds"))
  )

  it.live("any other failure fails every writer of the send and reports the link broken", () =>
    Effect.gen(function* () {
      const linkFailures: Array<string> = []
      const batcher = yield* makeBatcher(
        () => Effect.fail("connection closed"),
        () => true,
        defaultBatcherOptions,
        (error) => Effect.sync(() => void linkFailures.push(error)),
        undefined,
        (error) => (error === "MESSAGE_TOO_LARGE" ? error : undefined)
      )
      const failed = yield* batcher.offer([message("x")]).pipe(Effect.flip)
      assert.deepStrictEqual(
        [failed._tag, failed.message],
        ["PinLogUnavailable", "Kafka did not acknowledge the write; retry later"]
      )
      assert.deepStrictEqual(linkFailures, ["connection closed"])
    }).pipe(Effect.scoped)
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
        // expected partitions from outside the code under test: a literal for the flood's key, kafkajs'
        // own default partitioner for the others
        assert.deepStrictEqual(
          all.slice(0, flood.length).filter((m) => m.partition !== 2),
          []
        )
        assert.deepStrictEqual(
          all.slice(flood.length, flood.length + 8).map((m) => m.partition),
          [3, 0, 2, 5, 3, 0, 0, 2]
        )
        for (const m of all.slice(flood.length))
          assert.strictEqual(m.partition, kafkajsPartition(m.key ?? "", partitions))
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
