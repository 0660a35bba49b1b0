// The GCS emulator stops during a batch run: the run fails, is recorded as failed, is retried with backoff,
// and once the emulator is back the retry archives every event exactly once (nothing lost, nothing doubled).
// In a file of its own: stopping the emulator affects every file that uses it (see test/support/services.ts).

import { gunzipSync } from "node:zlib"
import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import { Database, listAll, ObjectStore } from "@pinflow/adapters"
import { ConfigProvider, Effect, Fiber, Layer, Stream } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { startService, stopService } from "../../../test/support/services.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import { archiveRootFor } from "../src/ArchiveLayout.ts"
import { runWithRetries } from "../src/BatchSchedule.ts"
import { BatchServices } from "../src/BatchServices.ts"

const D = "2026-11-20"
const events = 1_500

describeIntegration(
  "batch while the GCS emulator is down",
  { needs: ["kafka", "postgres"], controls: ["gcs"] },
  (env) => {
    const topic = uniqueName("pins-batch-outage")
    const bucket = uniqueName("batch-outage")
    const schema = uniqueName("batch_outage", "_")
    const group = uniqueName("archive")
    let url = ""

    beforeAll(async () => {
      url = await createSchema(env.databaseUrl, schema)
      await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: bucket })
      })
      const kafka = new Kafka({
        clientId: "batch-outage-test",
        brokers: [...env.kafkaBrokers],
        logLevel: logLevel.NOTHING
      })
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] })
      await admin.disconnect()
      const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      const messages = Array.from({ length: events }, (_, i) => ({
        key: `pin-${i}`,
        value: JSON.stringify({
          index: i,
          unique_id: `pin-${i}`,
          title: `Title ${i}`,
          description: "d",
          follower_count: `${i}k`,
          tag_list: "a,b",
          is_image_or_video: "image",
          image_src: "https://i.example/x.jpg",
          downloaded: 1,
          save_location: "Local save in /data/art",
          category: i % 2 === 0 ? "art" : "travel",
          ingested_at: `${D}T12:00:00.000Z`
        })
      }))
      await producer.send({ topic, messages })
      await producer.disconnect()
    }, 60_000)
    afterAll(async () => {
      await startService("gcs")
      await dropSchema(env.databaseUrl, schema)
    }, 60_000)

    const layer = () =>
      BatchServices.pipe(
        Layer.provideMerge(Database.layer),
        Layer.provide(
          ConfigProvider.layer(
            ConfigProvider.fromUnknown({
              KAFKA_BROKERS: env.kafkaBrokers.join(","),
              DATABASE_URL: url,
              GCS_ENDPOINT: env.gcsEndpoint,
              GCS_BUCKET: bucket,
              PINS_TOPIC: topic,
              BATCH_GROUP: group,
              BATCH_PART_MAX_BYTES: 16_384,
              BATCH_RETRIES: 6,
              BATCH_RETRY_DELAY: "1 second"
            })
          )
        )
      )

    const runs = Effect.gen(function* () {
      const { sql } = yield* Database
      const rows = yield* Effect.promise(
        () => sql<Array<{ status: string; error: string | null }>>`select status, error from batch_runs order by id`
      )
      return rows.map((r) => [r.status, r.error] as const)
    })

    it.live(
      "fails while the emulator is down, retries with backoff, then archives every event exactly once",
      () =>
        Effect.gen(function* () {
          yield* Effect.promise(() => stopService("gcs"))
          const fiber = yield* Effect.forkChild(runWithRetries(D))
          // wait until the outage has failed a run, then bring the emulator back
          for (let i = 0; i < 600; i++) {
            if ((yield* runs).some(([status]) => status === "failed")) break
            yield* Effect.sleep("100 millis")
          }
          assert.isTrue(
            (yield* runs).some(([status]) => status === "failed"),
            "a run failed during the outage"
          )
          yield* Effect.promise(() => startService("gcs"))
          const summary = yield* Fiber.join(fiber)
          assert.strictEqual(summary.archive.events, events)
          assert.strictEqual(summary.process.pins, events)

          const history = yield* runs
          assert.strictEqual(history.at(-1)?.[0], "succeeded")
          assert.isTrue(
            history.slice(0, -1).every(([status, error]) => status === "failed" && (error ?? "").length > 0)
          )

          const store = yield* ObjectStore
          const objects = yield* Stream.runCollect(listAll(store, archiveRootFor(topic)))
          const lines = (yield* Effect.forEach(objects, (o) => store.get(o.key))).flatMap((body) =>
            gunzipSync(body)
              .toString("utf8")
              .split("\n")
              .filter((l) => l.length > 0)
          )
          assert.strictEqual(lines.length, events)
          assert.strictEqual(new Set(lines).size, events)
          const { sql } = yield* Database
          const [row] = yield* Effect.promise(
            () =>
              sql<
                Array<{ pins: number }>
              >`select sum(pins)::int as pins from daily_category_stats where day = ${D}::date`
          )
          assert.strictEqual(row?.pins, events)
        }).pipe(Effect.provide(layer()), Effect.scoped),
      180_000
    )
  }
)
