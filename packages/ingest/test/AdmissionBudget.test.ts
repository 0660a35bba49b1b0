// The admission budget (INGEST_INFLIGHT_BYTES): past it a request is answered 503 with Retry-After at
// once, while the requests holding the budget are still in flight (no stall), and admitted again as soon
// as they are answered.
import { assert, describe, layer } from "@effect/vitest"
import { PinLog, PinLogMemory } from "@pinflow/adapters"
import { Effect, Fiber } from "effect"
import { eventually, postChunked, postJson, sampleEvent, testServer } from "./support.ts"

const batchOf = (prefix: string, n: number) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => sampleEvent({ unique_id: `${prefix}-${i}` })))

const budget = 8 * 1024

describe("admission budget", () => {
  layer(testServer({ maxInFlightBytes: budget, maxPinBody: 4 * 1024, maxPinsBody: budget }), {
    excludeTestServices: true
  })((it) => {
    it.effect("503 + Retry-After past the budget while the first request is held; admitted once it answered", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        const first = batchOf("held", 12)
        const second = batchOf("later", 12)
        // each fits alone, both together do not
        assert.isBelow(Buffer.byteLength(first), budget)
        assert.isAbove(Buffer.byteLength(first) + Buffer.byteLength(second), budget)

        yield* memory.hold(true)
        const held = yield* Effect.forkChild(postJson("/pins", first))
        yield* eventually(
          Effect.map(memory.heldSends, (n) => n === 1),
          "the first request is in flight"
        )
        const refused = yield* postJson("/pins", second)
        assert.strictEqual(refused.status, 503)
        assert.strictEqual(refused.headers.get("retry-after"), "1")
        assert.deepStrictEqual(refused.json, {
          error: "unavailable",
          reason: "overloaded",
          detail: `the edge is working on ${budget} bytes of requests already (INGEST_INFLIGHT_BYTES); retry shortly`,
          retry_after_seconds: 1
        })
        // a body without Content-Length is charged at its path's limit: it does not fit either
        assert.strictEqual(yield* postChunked("/pins", 100, 3), 503)
        // the refusal came while the first request still waits for its acknowledgement
        assert.strictEqual(yield* memory.heldSends, 1)

        yield* memory.hold(false)
        assert.strictEqual((yield* Fiber.join(held)).status, 200)
        const retried = yield* postJson("/pins", second)
        assert.strictEqual(retried.status, 200)
        const keys = new Set((yield* memory.pins).map((p) => p.key))
        assert.strictEqual(keys.size, 24)
        assert.isTrue(keys.has("held-11") && keys.has("later-11"))
      })
    )

    it.effect("a small request fits beside a held one: the budget counts bytes, not requests", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        const log = yield* PinLog
        yield* memory.hold(true)
        const held = yield* Effect.forkChild(postJson("/pins", batchOf("big", 12)))
        yield* eventually(
          Effect.map(memory.heldSends, (n) => n === 1),
          "the big request is in flight"
        )
        const small = yield* Effect.forkChild(postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "small-1" }))))
        // admitted: its event waits in the log's queue behind the held send
        yield* eventually(
          Effect.map(log.depth, (d) => d.events === 1),
          "the small request was admitted and is queued"
        )
        yield* memory.hold(false)
        assert.strictEqual((yield* Fiber.join(held)).status, 200)
        assert.strictEqual((yield* Fiber.join(small)).status, 200)
      })
    )
  })
})
