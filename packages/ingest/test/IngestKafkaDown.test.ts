import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { kafkaServer } from "./kafkaSupport.ts"
import { postJson, sampleEvent, send } from "./support.ts"

// Nothing listens on port 1: the edge must start anyway, say it is not ready, and refuse with 503.
describe("Kafka unreachable at start", () => {
  layer(kafkaServer({ KAFKA_BROKERS: "127.0.0.1:1", PINS_TOPIC: "never-created" }), {
    excludeTestServices: true
  })((it) => {
    it.effect("the server runs: healthz 200, readyz 503, posts 503 down with Retry-After, bad input still 400", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* send("/healthz")).status, 200)
        const ready = yield* send("/readyz")
        assert.strictEqual(ready.status, 503)
        assert.strictEqual(ready.text, "Kafka unreachable")
        const post = yield* postJson("/pin/", JSON.stringify(sampleEvent()))
        assert.strictEqual(post.status, 503)
        assert.strictEqual(post.headers.get("retry-after"), "5")
        assert.deepStrictEqual(post.json, {
          error: "unavailable",
          reason: "down",
          detail: "Kafka is unreachable; retry later",
          retry_after_seconds: 5
        })
        assert.strictEqual((yield* postJson("/pin/", "{}")).status, 400)
      })
    )
  })
})
