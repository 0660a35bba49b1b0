// Every limit of the edge is enforced before work grows, and one bad request never changes another's answer.
import { assert, describe, layer } from "@effect/vitest"
import { encodePin, PinLog, PinLogMemory } from "@pinflow/adapters"
import { toLoggedPinEvent } from "@pinflow/domain"
import { Effect, Fiber } from "effect"
import { eventually, postJson, sampleEvent, send, testServer } from "./support.ts"

const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`

interface Results {
  readonly accepted: number
  readonly rejected: number
  readonly results: ReadonlyArray<Record<string, unknown>>
}

/** Bytes of an event's Kafka message value (its `ingested_at` has the same length at any time). */
const valueBytes = (event: ReturnType<typeof sampleEvent>) =>
  encodePin(toLoggedPinEvent(event as never, new Date(0))).bytes

describe("nesting", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("JSON nested deeper than 64 levels: 400 malformed JSON naming the depth, kept as invalid_json", () =>
      Effect.gen(function* () {
        const body = deep(65)
        const reply = yield* postJson("/pin/", body)
        assert.strictEqual(reply.status, 400)
        assert.deepStrictEqual(reply.json, { error: "malformed JSON", detail: "JSON nested deeper than 64 levels" })
        const pins = yield* postJson("/pins", `[${deep(64)}]`)
        assert.deepStrictEqual(
          [pins.status, pins.json],
          [400, { error: "malformed JSON", detail: "JSON nested deeper than 64 levels" }]
        )
        // 64 levels are JSON like any other: an event that is not an object
        const atLimit = yield* postJson("/pin/", deep(64))
        assert.strictEqual(atLimit.status, 400)
        assert.strictEqual((atLimit.json as { error: string }).error, "invalid pin")
        const rejected = yield* (yield* PinLogMemory).rejected
        assert.deepStrictEqual(
          rejected.filter((r) => r.value.reason === "invalid_json").map((r) => [r.value.raw, r.value.detail]),
          [
            [body, "JSON nested deeper than 64 levels"],
            [`[${deep(64)}]`, "JSON nested deeper than 64 levels"]
          ]
        )
      })
    )

    it.effect("a body that is not UTF-8 text: 400, nothing appended (never decoded into U+FFFD and stored)", () =>
      Effect.gen(function* () {
        const [head = "", tail = ""] = JSON.stringify(sampleEvent({ unique_id: "bad-bytes", title: "@@" })).split("@@")
        const body = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(tail)])
        for (const path of ["/pin/", "/pins"]) {
          const reply = yield* send(path, { method: "POST", body, headers: { "content-type": "application/json" } })
          assert.deepStrictEqual(
            [reply.status, reply.json],
            [400, { error: "malformed JSON", detail: "the body could not be read: the body is not valid UTF-8 text" }]
          )
        }
        const log = yield* PinLogMemory
        assert.deepStrictEqual(
          (yield* log.pins).filter((r) => r.key === "bad-bytes"),
          []
        )
      })
    )

    it.effect("an NDJSON line nested too deep is that event's failure only", () =>
      Effect.gen(function* () {
        const body = `${JSON.stringify(sampleEvent({ unique_id: "deep-ok" }))}\n${deep(100)}\n`
        const reply = yield* postJson("/pins", body)
        assert.strictEqual(reply.status, 200)
        assert.deepStrictEqual((reply.json as Results).results[1], {
          position: 1,
          status: "rejected",
          reason: "invalid_json",
          issues: [{ path: "", message: "not JSON: JSON nested deeper than 64 levels" }]
        })
      })
    )
  })
})

describe("message size (key + value)", () => {
  const event = sampleEvent({ unique_id: "€".repeat(200) })
  const key = 600 // 200 × 3 UTF-8 bytes
  const value = valueBytes(event)
  const limit = value + key - 1
  layer(testServer({ maxMessageBytes: limit }), { excludeTestServices: true })((it) => {
    it.effect("one byte over the limit counting the key: 413 too_large before any send, recorded to fit", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        const reply = yield* postJson("/pin/", JSON.stringify(event))
        assert.strictEqual(reply.status, 413)
        const detail = `the event is ${value + key} bytes as a Kafka message (key ${key} + value ${value}); the limit is ${limit}`
        assert.deepStrictEqual(reply.json, {
          error: "payload too large",
          reason: "too_large",
          detail,
          limit_bytes: limit
        })
        assert.deepStrictEqual(yield* memory.pins, [])
        const rejected = yield* memory.rejected
        assert.deepStrictEqual(
          rejected.map((r) => [r.key, r.value.reason, r.value.detail]),
          [["€".repeat(200), "too_large", detail]]
        )
      })
    )

    it.effect("/pins: the too-large event's result is too_large, the others are accepted", () =>
      Effect.gen(function* () {
        const body = JSON.stringify([
          sampleEvent({ unique_id: "small-1" }),
          event,
          sampleEvent({ unique_id: "small-2" })
        ])
        const reply = yield* postJson("/pins", body)
        assert.strictEqual(reply.status, 200)
        const json = reply.json as Results
        assert.deepStrictEqual([json.accepted, json.rejected], [2, 1])
        assert.deepStrictEqual(json.results[1], {
          position: 1,
          status: "rejected",
          reason: "too_large",
          issues: [
            {
              path: "",
              message: `the event is ${value + key} bytes as a Kafka message (key ${key} + value ${value}); the limit is ${limit}`
            }
          ]
        })
        const only = yield* postJson("/pins", JSON.stringify([event]))
        assert.strictEqual(only.status, 413)
        assert.strictEqual((only.json as Results).results[0]?.reason, "too_large")
      })
    )
  })

  layer(testServer({ maxMessageBytes: value + key }), { excludeTestServices: true })((it) => {
    it.effect("exactly at the limit: 200", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* postJson("/pin/", JSON.stringify(event))).status, 200)
      })
    )
  })

  layer(testServer({ maxMessageBytes: 50_000 }), { excludeTestServices: true })((it) => {
    it.effect("the rejected record of a big event keeps a truncated raw and the size in its detail", () =>
      Effect.gen(function* () {
        const big = sampleEvent({ unique_id: "big-1", title: "t".repeat(20_000), description: "d".repeat(60_000) })
        const reply = yield* postJson("/pin/", JSON.stringify(big))
        assert.strictEqual(reply.status, 413)
        const [record] = yield* (yield* PinLogMemory).rejected
        assert.strictEqual(record?.key, "big-1")
        assert.match(
          record?.value.detail ?? "",
          /^the event is 80\d{3} bytes as a Kafka message \(key 5 \+ value 80\d{3}\); the limit is 50000$/
        )
        const raw = record?.value.raw as { truncated: boolean; length: number; prefix: string }
        const { poster_name: _, ...kept } = big
        const text = JSON.stringify(kept)
        assert.deepStrictEqual(raw, { truncated: true, length: text.length, prefix: text.slice(0, 64 * 1024) })
      })
    )
  })
})

describe("events per request", () => {
  layer(testServer({ maxEvents: 3 }), { excludeTestServices: true })((it) => {
    it.effect("more than INGEST_MAX_EVENTS events: 413, as a JSON array and as NDJSON; the limit itself passes", () =>
      Effect.gen(function* () {
        const events = (n: number) => Array.from({ length: n }, (_, i) => sampleEvent({ unique_id: `n-${n}-${i}` }))
        const tooMany = {
          error: "too many events",
          detail: "the request holds more than 3 events; split it into smaller requests",
          limit_events: 3
        }
        const array = yield* postJson("/pins", JSON.stringify(events(4)))
        assert.deepStrictEqual([array.status, array.json], [413, tooMany])
        const ndjson = yield* postJson(
          "/pins",
          `${events(4)
            .map((e) => JSON.stringify(e))
            .join("\n")}\n`
        )
        assert.deepStrictEqual([ndjson.status, ndjson.json], [413, tooMany])
        // counted before parsing: an array that would not even parse is refused for its size
        const unparsed = yield* postJson("/pins", `[${"0,".repeat(150)}`)
        assert.deepStrictEqual([unparsed.status, unparsed.json], [413, tooMany])
        // commas inside strings and nested values are not elements
        const many = Array.from({ length: 100 }, (_, i) => i)
        const nested = yield* postJson(
          "/pins",
          JSON.stringify([{ a: many }, many.join(","), { b: Object.fromEntries(many.map((i) => [`k${i}`, i])) }])
        )
        assert.strictEqual(nested.status, 400)
        assert.strictEqual((nested.json as Results).rejected, 3)
        const atLimit = yield* postJson(
          "/pins",
          `${events(3)
            .map((e) => JSON.stringify(e))
            .join("\n")}\n\n\n`
        )
        assert.strictEqual(atLimit.status, 200)
        assert.strictEqual((atLimit.json as Results).accepted, 3)
        assert.deepStrictEqual(
          (yield* (yield* PinLogMemory).pins).map((p) => p.key),
          ["n-3-0", "n-3-1", "n-3-2"]
        )
      })
    )
  })

  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("400 KB of [0,0,…]: 413 with a small answer, nothing logged", () =>
      Effect.gen(function* () {
        const body = `[${Array.from({ length: 200_000 }, () => "0").join(",")}]`
        const reply = yield* postJson("/pins", body)
        assert.strictEqual(reply.status, 413)
        assert.deepStrictEqual(reply.json, {
          error: "too many events",
          detail: "the request holds more than 10000 events; split it into smaller requests",
          limit_events: 10_000
        })
        const memory = yield* PinLogMemory
        assert.deepStrictEqual([(yield* memory.pins).length, (yield* memory.rejected).length], [0, 0])
      })
    )
  })
})

describe("the queue bounds a single request", () => {
  layer(testServer({}, { maxQueueEvents: 3 }), { excludeTestServices: true })((it) => {
    it.effect("a request bigger than the whole queue: 413 at once (never 503 forever)", () =>
      Effect.gen(function* () {
        const body = JSON.stringify(Array.from({ length: 4 }, (_, i) => sampleEvent({ unique_id: `qb-${i}` })))
        const reply = yield* postJson("/pins", body)
        assert.strictEqual(reply.status, 413)
        assert.match(
          (reply.json as { detail: string }).detail,
          /^the request needs 4 messages \(\d+ bytes\) in the queue in front of Kafka, which holds at most 3 \(67108864 bytes\); split it$/
        )
        assert.deepStrictEqual(Object.keys(reply.json as object), ["error", "detail"])
        const fits = yield* postJson("/pins", body.replace(/^\[[^\]]*?\},/, "["))
        assert.strictEqual(fits.status, 200)
      })
    )
  })
})

describe("405 for an undeclared method on a known path", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("GET /pin/, DELETE /pins, POST /healthz: 405 with Allow and a JSON body; unknown paths stay 404", () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, string, string]> = [
          ["GET", "/pin/", "POST"],
          ["GET", "/pin", "POST"],
          ["DELETE", "/pins", "POST"],
          ["POST", "/healthz", "GET"],
          ["PUT", "/readyz", "GET"],
          ["POST", "/openapi.json", "GET"]
        ]
        for (const [method, path, allow] of cases) {
          const reply = yield* send(`${path}?q=1`, { method })
          assert.strictEqual(reply.status, 405, `${method} ${path}`)
          assert.strictEqual(reply.headers.get("allow"), allow)
          assert.deepStrictEqual(reply.json, {
            error: "method not allowed",
            detail: `${path} answers ${allow} only, not ${method}`
          })
        }
        const unknown = yield* send("/pinz", { method: "DELETE" })
        assert.strictEqual(unknown.status, 404)
        assert.isNull(unknown.headers.get("allow"))
      })
    )
  })
})

describe("a poison request never changes another client's answer", () => {
  layer(testServer({ maxMessageBytes: 100_000 }), { excludeTestServices: true })((it) => {
    it.effect("good requests concurrent with deep, oversized, huge-id and 200K-element requests all get 200", () =>
      Effect.gen(function* () {
        const poison = [
          postJson("/pin/", deep(10_000)),
          postJson("/pins", `[${Array.from({ length: 200_000 }, () => "0").join(",")}]`),
          postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "big", description: "x".repeat(200_000) }))),
          postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "i".repeat(600_000) }))),
          postJson("/pins", `${deep(70)}\n${"{".repeat(50_000)}`)
        ]
        const good = Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: `good-${i}` })))
            : postJson("/pins", JSON.stringify([sampleEvent({ unique_id: `good-${i}` })]))
        )
        const replies = yield* Effect.all([...poison, ...good], { concurrency: "unbounded" })
        // each is refused (exact answers are tested above); what matters here is the others' answers
        for (const reply of replies.slice(0, poison.length)) assert.include([400, 413], reply.status)
        assert.deepStrictEqual(
          replies.slice(poison.length).map((r) => r.status),
          good.map(() => 200)
        )
        const keys = new Set((yield* (yield* PinLogMemory).pins).map((p) => p.key))
        for (let i = 0; i < good.length; i++) assert.isTrue(keys.has(`good-${i}`), `good-${i}`)
      })
    )
  })
})

describe("a poison request while Kafka is slow", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("200K events refused while a send is held leave the queue to the others: every good request 200", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        const log = yield* PinLog
        yield* memory.hold(true)
        const first = yield* Effect.forkChild(postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "slow-0" }))))
        yield* eventually(
          Effect.map(memory.heldSends, (n) => n === 1),
          "slow-0 in flight"
        )
        // 200,000 invalid events: answered without a write, or (unbounded) 200,000 rejects filling the queue
        const poison = yield* Effect.forkChild(
          postJson("/pins", `[${Array.from({ length: 200_000 }, () => "0").join(",")}]`)
        )
        yield* eventually(
          Effect.map(log.depth, (d) => d.events > 0 || poison.pollUnsafe() !== undefined),
          "the poison request answered or queued"
        )
        const good = yield* Effect.forkChild(
          Effect.all(
            Array.from({ length: 20 }, (_, i) =>
              postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: `slow-${i + 1}` })))
            ),
            { concurrency: "unbounded" }
          )
        )
        yield* eventually(
          Effect.map(log.depth, (d) => d.events >= 20 || good.pollUnsafe() !== undefined),
          "queued"
        )
        yield* memory.hold(false)
        assert.deepStrictEqual(
          (yield* Fiber.join(good)).map((r) => r.status),
          Array.from({ length: 20 }, () => 200)
        )
        assert.strictEqual((yield* Fiber.join(first)).status, 200)
        assert.strictEqual((yield* Fiber.join(poison)).status, 413)
      })
    )
  })
})
