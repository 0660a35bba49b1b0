import { it } from "@effect/vitest"
import { Effect } from "effect"
import { Kafka, logLevel } from "kafkajs"
import { expect } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { awaitReady, kafkaServer, readTopic } from "./kafkaSupport.ts"
import { postJson, sampleEvent, send } from "./support.ts"

describeIntegration("ingest against Kafka", ["kafka"], (env) => {
  it.live(
    "every 200 is in the topic: keyed by unique_id, stamped ingested_at, without poster_name; rejects on the rejected topic",
    () => {
      const topic = uniqueName("ingest-it")
      return Effect.gen(function* () {
        yield* awaitReady
        const singles = Array.from({ length: 10 }, (_, i) => sampleEvent({ unique_id: `single-${i}`, index: i }))
        for (const event of singles) expect((yield* postJson("/pin/", JSON.stringify(event))).status).toBe(200)
        const many = Array.from({ length: 300 }, (_, i) => sampleEvent({ unique_id: `many-${i}`, index: 100 + i }))
        const ndjson = [...many.map((e) => JSON.stringify(e)), '{"unique_id":"broken-1"}', "not json"].join("\n")
        const batch = yield* send("/pins", {
          method: "POST",
          body: ndjson,
          headers: { "content-type": "application/x-ndjson" }
        })
        expect(batch.status).toBe(200)
        expect(batch.json).toMatchObject({ accepted: 300, rejected: 2 })

        const pins = yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))
        expect(pins).toHaveLength(310)
        const byKey = new Map(pins.map((m) => [m.key, JSON.parse(m.value) as Record<string, unknown>]))
        for (const event of [...singles, ...many]) {
          const { poster_name: _dropped, ...expected } = event
          const logged = byKey.get(event.unique_id)
          expect(logged).toBeDefined()
          const { ingested_at, ...rest } = logged ?? {}
          expect(rest).toEqual(expected)
          expect(typeof ingested_at === "string" && !Number.isNaN(Date.parse(ingested_at))).toBe(true)
          expect(Object.hasOwn(logged ?? {}, "poster_name")).toBe(false)
        }
        const rejected = yield* Effect.promise(() => readTopic(env.kafkaBrokers, `${topic}.rejected`))
        expect(rejected.map((m) => JSON.parse(m.value).reason).sort()).toEqual(["invalid_json", "schema"])
        expect(rejected.find((m) => m.key === "broken-1")).toBeDefined()
      }).pipe(
        Effect.provide(
          kafkaServer({ KAFKA_BROKERS: env.kafkaBrokers.join(","), PINS_TOPIC: topic, KAFKA_PARTITIONS: "3" })
        )
      )
    },
    60_000
  )

  it.live(
    "a pre-existing 1-partition topic and one unique_id repeated 3,000 times: 200, every copy in the topic",
    () => {
      const topic = uniqueName("ingest-skew")
      // Created before the edge starts, with 1 partition although KAFKA_PARTITIONS says 6: the edge must
      // size batches by the topic's real partitions (the broker refuses record batches over 1 MB).
      const createTopic = Effect.promise(async () => {
        const kafka = new Kafka({
          clientId: "ingest-skew-test",
          brokers: [...env.kafkaBrokers],
          logLevel: logLevel.NOTHING
        })
        const admin = kafka.admin()
        await admin.connect()
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
        await admin.disconnect()
      })
      const copies = 3000
      const body = Array.from({ length: copies }, (_, i) =>
        JSON.stringify(sampleEvent({ unique_id: "one-pin", index: i, description: `version ${i} ${"x".repeat(1000)}` }))
      ).join("\n")
      const edge = Effect.gen(function* () {
        yield* awaitReady
        const reply = yield* send("/pins", {
          method: "POST",
          body,
          headers: { "content-type": "application/x-ndjson" }
        })
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ accepted: copies, rejected: 0 })
        const pins = yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))
        expect(pins.map((m) => JSON.parse(m.value).index)).toEqual(Array.from({ length: copies }, (_, i) => i))
      }).pipe(
        Effect.provide(
          kafkaServer({ KAFKA_BROKERS: env.kafkaBrokers.join(","), PINS_TOPIC: topic, KAFKA_PARTITIONS: "6" })
        )
      )
      return Effect.andThen(createTopic, edge)
    },
    90_000
  )
})
