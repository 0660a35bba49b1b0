import { assert, describe, layer } from "@effect/vitest"
import { PinLog, PinLogMemory } from "@pinflow/adapters"
import { Effect, Fiber, Option, Redacted } from "effect"
import { eventually, postChunked, postJson, sampleEvent, send, testServer } from "./support.ts"

const event = sampleEvent()

/** The value of one Prometheus sample with exactly these labels (in any order); 0 when absent. */
const metricValue = (text: string, name: string, labels: Record<string, string>): number => {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(",")
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const have = (match[2] ?? "")
      .split(",")
      .filter((l) => l.length > 0)
      .sort()
      .join(",")
    if (have === wanted) return Number(match[3])
  }
  return 0
}

describe("POST /pin/", () => {
  layer(testServer({ maxPinBody: 4_096 }), { excludeTestServices: true })((it) => {
    it.effect("200 once logged: keyed by unique_id, stamped ingested_at, without poster_name", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pin/", JSON.stringify({ ...event, extra: "ignored" }))
        assert.strictEqual(reply.status, 200)
        assert.deepStrictEqual(reply.json, { status: "accepted", unique_id: event.unique_id })
        const pins = yield* (yield* PinLogMemory).pins
        const logged = pins.find((p) => p.key === event.unique_id)
        assert.isDefined(logged)
        const { poster_name: _, ...withoutPoster } = event
        const { ingested_at, ...rest } = logged?.value ?? { ingested_at: "" }
        assert.deepStrictEqual(rest, withoutPoster)
        assert.match(ingested_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      })
    )

    it.effect("the 200 is exactly the JSON of {status, unique_id}, escapes included, as application/json", () =>
      Effect.gen(function* () {
        const id = 'quote" back\\slash \u00e9 \u2028 tab\t'
        const reply = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: id })))
        assert.strictEqual(reply.status, 200)
        assert.strictEqual(reply.text, JSON.stringify({ status: "accepted", unique_id: id }))
        assert.strictEqual(reply.headers.get("content-type"), "application/json")
        assert.strictEqual(reply.headers.get("content-length"), String(Buffer.byteLength(reply.text)))
      })
    )

    it.effect("also answers the seed clients' path without the slash", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pin", JSON.stringify(sampleEvent({ unique_id: "no-slash" })))
        assert.strictEqual(reply.status, 200)
      })
    )

    it.effect("400 naming every bad field and why; the event is kept on the rejected topic", () =>
      Effect.gen(function* () {
        const bad = { ...event, unique_id: "bad-1", index: 1.5, downloaded: "yes" } as Record<string, unknown>
        delete bad.title
        const reply = yield* postJson("/pin/", JSON.stringify(bad))
        assert.strictEqual(reply.status, 400)
        assert.deepStrictEqual(reply.json, {
          error: "invalid pin",
          issues: [
            { path: "index", message: "Expected an integer, got 1.5" },
            { path: "title", message: "Missing key" },
            { path: "downloaded", message: 'Expected 0 | 1, got "yes"' }
          ]
        })
        const rejected = (yield* (yield* PinLogMemory).rejected).find((r) => r.key === "bad-1")
        assert.strictEqual(rejected?.value.reason, "schema")
        assert.strictEqual(
          rejected?.value.detail,
          'index: Expected an integer, got 1.5; title: Missing key; downloaded: Expected 0 | 1, got "yes"'
        )
        assert.isFalse(Object.hasOwn(rejected?.value.raw as object, "poster_name"))
      })
    )

    it.effect("400 for malformed JSON, kept as invalid_json", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pin/", '{"index": 1,')
        assert.strictEqual(reply.status, 400)
        assert.strictEqual((reply.json as { error: string }).error, "malformed JSON")
        assert.isString((reply.json as { detail: string }).detail)
        const rejected = yield* (yield* PinLogMemory).rejected
        assert.isTrue(rejected.some((r) => r.value.reason === "invalid_json" && r.value.raw === '{"index": 1,'))
      })
    )

    it.effect("400 for JSON that is not an object", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pin/", "[1,2]")
        assert.strictEqual(reply.status, 400)
        assert.deepStrictEqual(reply.json, {
          error: "invalid pin",
          issues: [{ path: "", message: "Expected object, got [1,2]" }]
        })
      })
    )

    it.effect("415 for a non-JSON content type", () =>
      Effect.gen(function* () {
        const reply = yield* send("/pin/", {
          method: "POST",
          body: "index=1",
          headers: { "content-type": "application/x-www-form-urlencoded" }
        })
        assert.strictEqual(reply.status, 415)
        assert.deepStrictEqual(reply.json, {
          error: "unsupported media type",
          detail:
            'Content-Type "application/x-www-form-urlencoded" is not JSON; send application/json (or application/x-ndjson to /pins)'
        })
      })
    )

    it.effect("413 from Content-Length, before reading the body", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pin/", " ".repeat(5_000))
        assert.strictEqual(reply.status, 413)
        assert.deepStrictEqual(reply.json, {
          error: "payload too large",
          detail: "the body is over 4096 bytes; split it into smaller requests",
          limit_bytes: 4096
        })
      })
    )

    it.effect("413 for a chunked body that grows past the limit", () =>
      Effect.gen(function* () {
        assert.strictEqual(yield* postChunked("/pin/", 1_024, 64), 413)
      })
    )

    it.effect("404 with a JSON body for unknown routes", () =>
      Effect.gen(function* () {
        const reply = yield* send("/nope?x=1")
        assert.strictEqual(reply.status, 404)
        assert.deepStrictEqual(reply.json, {
          error: "not found",
          detail: "no route GET /nope; see /docs or /openapi.json"
        })
      })
    )
  })
})

describe("POST /pins", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("JSON array: valid events are produced, invalid ones reported per event", () =>
      Effect.gen(function* () {
        const body = JSON.stringify([
          sampleEvent({ unique_id: "batch-a" }),
          { unique_id: "batch-b" },
          sampleEvent({ unique_id: "batch-c" })
        ])
        const reply = yield* postJson("/pins", body)
        assert.strictEqual(reply.status, 200)
        const json = reply.json as { accepted: number; rejected: number; results: Array<Record<string, unknown>> }
        assert.strictEqual(json.accepted, 2)
        assert.strictEqual(json.rejected, 1)
        assert.deepStrictEqual(json.results[0], { position: 0, status: "accepted", unique_id: "batch-a" })
        const second = json.results[1] ?? {}
        assert.deepStrictEqual(second.status, "rejected")
        assert.deepStrictEqual(second.reason, "schema")
        assert.deepStrictEqual((second.issues as Array<unknown>)[0], { path: "index", message: "Missing key" })
        assert.deepStrictEqual(json.results[2], { position: 2, status: "accepted", unique_id: "batch-c" })
        const memory = yield* PinLogMemory
        const keys = (yield* memory.pins).map((p) => p.key)
        assert.includeMembers(keys, ["batch-a", "batch-c"])
        assert.isTrue((yield* memory.rejected).some((r) => r.key === "batch-b"))
      })
    )

    it.effect("NDJSON: a line that is not JSON is that event's failure only", () =>
      Effect.gen(function* () {
        const body = `${JSON.stringify(sampleEvent({ unique_id: "nd-1" }))}\n{oops\n\n${JSON.stringify(sampleEvent({ unique_id: "nd-2" }))}\n`
        const reply = yield* send("/pins", {
          method: "POST",
          body,
          headers: { "content-type": "application/x-ndjson" }
        })
        assert.strictEqual(reply.status, 200)
        const json = reply.json as { accepted: number; rejected: number; results: Array<Record<string, unknown>> }
        assert.deepStrictEqual([json.accepted, json.rejected], [2, 1])
        assert.deepStrictEqual(json.results[1]?.reason, "invalid_json")
        const rejected = yield* (yield* PinLogMemory).rejected
        assert.isTrue(rejected.some((r) => r.value.raw === "{oops"))
      })
    )

    it.effect("400 with per-event results when nothing was valid; 400 for an empty batch", () =>
      Effect.gen(function* () {
        const none = yield* postJson("/pins", "[1]")
        assert.strictEqual(none.status, 400)
        assert.deepStrictEqual(none.json, {
          accepted: 0,
          rejected: 1,
          results: [
            {
              position: 0,
              status: "rejected",
              reason: "schema",
              issues: [{ path: "", message: "Expected object, got 1" }]
            }
          ]
        })
        const empty = yield* postJson("/pins", "[]")
        assert.strictEqual(empty.status, 400)
        assert.deepStrictEqual(empty.json, {
          error: "no events",
          detail: "send a JSON array of events or one event per line"
        })
      })
    )

    it.effect("400 for a malformed JSON array, the body kept as invalid_json", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/pins", "[{},")
        assert.strictEqual(reply.status, 400)
        assert.strictEqual((reply.json as { error: string }).error, "malformed JSON")
        const rejected = yield* (yield* PinLogMemory).rejected
        assert.isTrue(rejected.some((r) => r.value.reason === "invalid_json" && r.value.raw === "[{},"))
      })
    )
  })
})

describe("health, readiness, metrics, docs", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("healthz is always ok; readyz follows the log", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* send("/healthz")).text, "ok")
        assert.strictEqual((yield* send("/readyz")).status, 200)
        const memory = yield* PinLogMemory
        yield* memory.setUp(false)
        const down = yield* send("/readyz")
        assert.strictEqual(down.status, 503)
        assert.strictEqual(down.text, "Kafka unreachable")
        yield* memory.setUp(true)
        assert.strictEqual((yield* send("/readyz")).status, 200)
      })
    )

    it.effect("metrics expose accepted, rejected by reason and HTTP requests by route and status", () =>
      Effect.gen(function* () {
        // counters are process-wide (other tests post too): each must grow by exactly what this test sent
        const counters = (text: string) => ({
          accepted: metricValue(text, "pinflow_events_accepted_total", { event_type: "pin" }),
          invalidJson: metricValue(text, "pinflow_events_rejected_total", {
            event_type: "pin",
            reason: "invalid_json"
          }),
          ok: metricValue(text, "pinflow_http_requests_total", { route: "/pin/", status: "200", method: "POST" }),
          bad: metricValue(text, "pinflow_http_requests_total", { route: "/pin/", status: "400", method: "POST" }),
          timed: metricValue(text, "pinflow_http_request_duration_seconds_count", { route: "/pin/", status: "200" })
        })
        const before = counters((yield* send("/metrics")).text)
        yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "m-1" })))
        yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "m-2" })))
        yield* postJson("/pin/", "{")
        const text = (yield* send("/metrics")).text
        const after = counters(text)
        assert.deepStrictEqual(
          {
            accepted: after.accepted - before.accepted,
            invalidJson: after.invalidJson - before.invalidJson,
            ok: after.ok - before.ok,
            bad: after.bad - before.bad,
            timed: after.timed - before.timed
          },
          { accepted: 2, invalidJson: 1, ok: 2, bad: 1, timed: 2 }
        )
        assert.match(text, /pinflow_log_produce_duration_seconds_bucket/)
        assert.match(text, /pinflow_log_queue_events/)
      })
    )

    it.effect("openapi.json is generated from the Schemas; /docs serves a page", () =>
      Effect.gen(function* () {
        const spec = (yield* send("/openapi.json")).json as { paths: Record<string, unknown> }
        assert.includeMembers(Object.keys(spec.paths), ["/pin/", "/pins", "/healthz", "/readyz"])
        const docs = yield* send("/docs")
        assert.strictEqual(docs.status, 200)
        assert.match(docs.headers.get("content-type") ?? "", /text\/html/)
        // the page names its pinned Scalar script instead of carrying it (it would live in the edge's heap)
        assert.include(docs.text, "@scalar/api-reference@1.43.5/")
        assert.isBelow(docs.text.length, 200_000)
      })
    )
  })
})

describe("API key", () => {
  layer(testServer({ apiKey: Option.some(Redacted.make("s3cret-key")) }), { excludeTestServices: true })((it) => {
    it.effect("401 without or with a wrong key, 200 with it; health stays open", () =>
      Effect.gen(function* () {
        const body = JSON.stringify(sampleEvent({ unique_id: "auth-1" }))
        const missing = yield* postJson("/pin/", body)
        assert.strictEqual(missing.status, 401)
        assert.deepStrictEqual(missing.json, {
          error: "unauthorized",
          detail: "send Authorization: Bearer <INGEST_API_KEY>"
        })
        assert.strictEqual(missing.headers.get("www-authenticate"), 'Bearer realm="pinflow-ingest"')
        const wrong = yield* postJson("/pins", `[${body}]`, { authorization: "Bearer nope" })
        assert.strictEqual(wrong.status, 401)
        assert.strictEqual((wrong.json as { detail: string }).detail, "the bearer key does not match INGEST_API_KEY")
        const right = yield* postJson("/pin/", body, { authorization: "Bearer s3cret-key" })
        assert.strictEqual(right.status, 200)
        assert.strictEqual((yield* send("/healthz")).status, 200)
        assert.strictEqual((yield* send("/readyz")).status, 200)
      })
    )
  })
})

describe("overload and outages", () => {
  layer(testServer({}, { maxQueueEvents: 2, ackTimeout: "2 seconds" }), { excludeTestServices: true })((it) => {
    it.effect("503 with Retry-After when the queue is full; the held request completes once the log answers", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        const log = yield* PinLog
        yield* memory.hold(true)
        const inFlight = yield* Effect.forkChild(postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "q-1" }))))
        yield* eventually(
          Effect.map(memory.heldSends, (n) => n === 1),
          "q-1 is in flight"
        )
        const queued = yield* Effect.forkChild(
          postJson("/pins", JSON.stringify([sampleEvent({ unique_id: "q-2" }), sampleEvent({ unique_id: "q-3" })]))
        )
        yield* eventually(
          Effect.map(log.depth, (d) => d.events === 2),
          "q-2 and q-3 are queued"
        )
        const full = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "q-4" })))
        assert.strictEqual(full.status, 503)
        assert.strictEqual(full.headers.get("retry-after"), "1")
        assert.deepStrictEqual(full.json, {
          error: "unavailable",
          reason: "overloaded",
          detail: "the queue in front of Kafka is full; retry later",
          retry_after_seconds: 1
        })
        yield* memory.hold(false)
        assert.strictEqual((yield* Fiber.join(inFlight)).status, 200)
        assert.strictEqual((yield* Fiber.join(queued)).status, 200)
        const keys = (yield* memory.pins).map((p) => p.key)
        assert.includeMembers(keys, ["q-1", "q-2", "q-3"])
        assert.notInclude(keys, "q-4")
      })
    )

    it.effect("503 when the log does not acknowledge in time, and when it is down; never in the topic as 200", () =>
      Effect.gen(function* () {
        const memory = yield* PinLogMemory
        yield* memory.hold(true)
        const slow = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "t-1" })))
        assert.strictEqual(slow.status, 503)
        assert.strictEqual((slow.json as { reason: string }).reason, "timeout")
        yield* memory.hold(false)
        yield* memory.setUp(false)
        const down = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "d-1" })))
        assert.strictEqual(down.status, 503)
        assert.strictEqual(down.headers.get("retry-after"), "5")
        assert.notInclude(
          (yield* memory.pins).map((p) => p.key),
          "d-1"
        )
        yield* memory.setUp(true)
        assert.strictEqual((yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "d-2" })))).status, 200)
      })
    )
  })
})
