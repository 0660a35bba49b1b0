// The edge's size limits against a real broker: an event too big for a Kafka message is refused before
// any send (413, too_large, recorded in a form that fits), and a record the broker itself refuses fails
// only its own request — the producer stays connected and everyone else still gets 200.
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { awaitReady, kafkaServer, readTopic } from "./kafkaSupport.ts"
import { postJson, sampleEvent, send } from "./support.ts"

/** An event within every field limit (65,536 code points) whose message is about `fields` × 186 KB. */
const wideEvent = (id: string, fields: number) => {
  const text = "€".repeat(62_000) // 186,000 UTF-8 bytes
  const keys = ["title", "description", "tag_list", "image_src", "save_location", "is_image_or_video"]
  return sampleEvent({ unique_id: id, ...Object.fromEntries(keys.slice(0, fields).map((k) => [k, text])) })
}

const good = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: `${prefix}-${i}` }))))

describeIntegration("ingest limits against Kafka", ["kafka"], (env) => {
  it.live(
    "an event over INGEST_MAX_MESSAGE_BYTES: 413 too_large before any send, its rejected record fits; others 200",
    () => {
      const topic = uniqueName("ingest-too-large")
      return Effect.gen(function* () {
        yield* awaitReady
        // 5 × 186,000 bytes of text: under the 1 MiB body limit, over the 900 KiB message limit
        const big = wideEvent("too-large-1", 5)
        const replies = yield* Effect.all([postJson("/pin/", JSON.stringify(big)), ...good("beside-big", 20)], {
          concurrency: "unbounded"
        })
        const [refused, ...others] = replies
        expect(refused?.status).toBe(413)
        expect(refused?.json).toMatchObject({ error: "payload too large", reason: "too_large", limit_bytes: 921_600 })
        expect(others.map((r) => r.status)).toEqual(others.map(() => 200))
        expect((yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "after-big" })))).status).toBe(200)

        const pins = yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))
        expect(pins.map((m) => m.key).sort()).toEqual(
          [...Array.from({ length: 20 }, (_, i) => `beside-big-${i}`), "after-big"].sort()
        )
        const rejected = yield* Effect.promise(() => readTopic(env.kafkaBrokers, `${topic}.rejected`))
        expect(rejected).toHaveLength(1)
        const record = JSON.parse(rejected[0]?.value ?? "{}") as { reason: string; detail: string; raw: unknown }
        expect(rejected[0]?.key).toBe("too-large-1")
        expect(record.reason).toBe("too_large")
        expect(record.detail).toMatch(
          /^the event is \d+ bytes as a Kafka message \(key 11 \+ value \d+\); the limit is 921600$/
        )
        expect(record.raw).toMatchObject({ truncated: true })
      }).pipe(
        Effect.provide(
          kafkaServer({ KAFKA_BROKERS: env.kafkaBrokers.join(","), PINS_TOPIC: topic, KAFKA_PARTITIONS: "1" })
        )
      )
    },
    60_000
  )

  it.live(
    "a record the broker refuses (limit set above the broker's): only its request fails, the producer stays up",
    () => {
      const topic = uniqueName("ingest-refused")
      return Effect.gen(function* () {
        yield* awaitReady
        // 6 × 186,000 bytes: over the broker's 1 MB message.max.bytes, under the 4 MiB configured here
        const big = wideEvent("refused-1", 6)
        const replies = yield* Effect.all([postJson("/pins", JSON.stringify([big])), ...good("beside-refused", 20)], {
          concurrency: "unbounded"
        })
        const [refused, ...others] = replies
        expect(refused?.status, refused?.text).toBe(413)
        expect(refused?.json).toMatchObject({ error: "payload too large", reason: "too_large" })
        expect((refused?.json as { detail?: string } | undefined)?.detail).toMatch(/^Kafka refused the event: /)
        expect(others.map((r) => r.status)).toEqual(others.map(() => 200))
        // no reconnect: the very next requests are acknowledged (a broken link would answer 503 down)
        expect((yield* send("/readyz")).status).toBe(200)
        const next = yield* Effect.all(good("after-refused", 5), { concurrency: "unbounded" })
        expect(next.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])

        const keys = (yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))).map((m) => m.key)
        expect(keys).not.toContain("refused-1")
        expect(new Set(keys)).toEqual(
          new Set([
            ...Array.from({ length: 20 }, (_, i) => `beside-refused-${i}`),
            ...Array.from({ length: 5 }, (_, i) => `after-refused-${i}`)
          ])
        )
      }).pipe(
        Effect.provide(
          kafkaServer({
            KAFKA_BROKERS: env.kafkaBrokers.join(","),
            PINS_TOPIC: topic,
            KAFKA_PARTITIONS: "1",
            INGEST_MAX_MESSAGE_BYTES: String(4 * 1024 * 1024)
          })
        )
      )
    },
    60_000
  )
})
