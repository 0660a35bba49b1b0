// The batch program against the real services: Kafka topic -> fake-gcs-server archive -> PostgreSQL daily tables.
// Own topic, consumer group, bucket and Postgres schema, so it runs beside other files.

import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import {
  type AnalyticsStore,
  Database,
  listAll,
  ObjectStore,
  type PinRow,
  type PinSource,
  PinStore
} from "@pinflow/adapters"
import { cleanLoggedPin } from "@pinflow/domain"
import { ConfigProvider, Effect, Layer, Result, Stream } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { sampleLines } from "../../../test/support/sampleData.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import { archiveRootFor, parseKey } from "../src/ArchiveLayout.ts"
import { runDay } from "../src/BatchRun.ts"
import { BatchServices } from "../src/BatchServices.ts"
import type { BatchSettings } from "../src/BatchSettings.ts"
import { event, tenEventsRows } from "./fixtures.ts"

const D = "2026-11-20"
const D2 = "2026-11-21"
const legacyDay = "2026-11-22"
/** A day of ten fixture events, whose daily rows the fixtures state literally. */
const literalDay = "2026-11-19"

describeIntegration("batch against Kafka, fake-gcs-server and PostgreSQL", ["kafka", "postgres", "gcs"], (env) => {
  const topic = uniqueName("pins-batch")
  const bucket = uniqueName("batch")
  const schema = uniqueName("batch", "_")
  const group = uniqueName("archive")
  const sample = sampleLines()
  const rows = "lines" in sample ? sample.lines.slice(0, 400).map((l) => JSON.parse(l) as Record<string, unknown>) : []
  /**
   * 360 sample events on D (30 of them repeats of earlier pins, re-sent later), 40 on D2, 2 unreadable messages,
   * and the ten fixture events on `literalDay`.
   */
  const values = [
    ...rows.map((row, i) => {
      const { poster_name: _p, ...event } = row
      const time = i < 360 ? `${D}T${String(i % 24).padStart(2, "0")}:00:00.000Z` : `${D2}T01:00:00.000Z`
      return { key: String(event.unique_id), value: JSON.stringify({ ...event, ingested_at: time }) }
    }),
    ...rows.slice(0, 30).map((row) => {
      const { poster_name: _p, ...event } = row
      return {
        key: String(event.unique_id),
        value: JSON.stringify({ ...event, category: "repeated", ingested_at: `${D}T23:59:00.000Z` })
      }
    }),
    { key: "bad-1", value: "{not json" },
    { key: "bad-2", value: JSON.stringify({ unique_id: "bad-2" }) },
    ...Array.from({ length: 10 }, (_, i) => ({
      key: `pin-${i}`,
      value: JSON.stringify(event(i, `${literalDay}T12:00:00.000Z`))
    }))
  ]

  let url = ""
  const config = () =>
    ConfigProvider.layer(
      ConfigProvider.fromUnknown({
        KAFKA_BROKERS: env.kafkaBrokers.join(","),
        DATABASE_URL: url,
        GCS_ENDPOINT: env.gcsEndpoint,
        GCS_BUCKET: bucket,
        PINS_TOPIC: topic,
        BATCH_GROUP: group,
        BATCH_PART_MAX_BYTES: 65_536
      })
    )
  const run = <A, E>(
    effect: Effect.Effect<A, E, ObjectStore | AnalyticsStore | Database | PinStore | PinSource | BatchSettings>
  ) =>
    Effect.scoped(
      effect.pipe(
        Effect.provide(
          Layer.mergeAll(BatchServices, PinStore.layer).pipe(
            Layer.provideMerge(Database.layer),
            Layer.provide(config())
          )
        )
      )
    )

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    const res = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket })
    })
    assert.isTrue(res.ok, `create bucket ${bucket}: HTTP ${res.status}`)
    const kafka = new Kafka({ clientId: "batch-test", brokers: [...env.kafkaBrokers], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] })
    await admin.disconnect()
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    // one send per message: the repeats then really come after the pins they repeat
    for (let i = 0; i < values.length; i += 100) await producer.send({ topic, messages: values.slice(i, i + 100) })
    await producer.disconnect()
  }, 60_000)
  afterAll(() => dropSchema(env.databaseUrl, schema))

  /** What the stream worker would have landed: the clean pins, last version winning. */
  const landPins = Effect.gen(function* () {
    const store = yield* PinStore
    const pins: Array<PinRow> = values.flatMap((v, offset) => {
      const outcome = cleanLoggedPin(
        (() => {
          try {
            return JSON.parse(v.value)
          } catch {
            return null
          }
        })()
      )
      if (!Result.isSuccess(outcome)) return []
      const pin = outcome.success
      return [{ ...pin, ingested_at: pin.ingested_at ?? null, topic, partition: 0, offset }]
    })
    yield* store.writeBatch({ pins, rejects: [] })
  })

  const tables = (day: string) =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const stats = yield* Effect.promise(
        () => sql`select category, pins, median_follower_count, downloaded_ratio, images, videos, stories
          from daily_category_stats where day = ${day}::date order by category collate "C"`
      )
      const tags = yield* Effect.promise(
        () => sql`select tag, pins from daily_tag_counts where day = ${day}::date order by tag collate "C"`
      )
      return { stats: [...stats], tags: [...tags] }
    })

  const objects = Effect.gen(function* () {
    const store = yield* ObjectStore
    const infos = yield* Stream.runCollect(listAll(store, archiveRootFor(topic)))
    return infos.map((o) => [o.key, o.size] as const)
  })

  it.live(
    "archives the topic into the day's parts and writes what a SQL aggregate over pins says",
    () =>
      run(
        Effect.gen(function* () {
          yield* landPins
          const summary = yield* runDay(D)
          assert.strictEqual(summary.archive.events, values.length)
          assert.strictEqual(summary.archive.unreadable, 2)
          const keys = (yield* objects).map(([key]) => parseKey(key, undefined, archiveRootFor(topic)))
          assert.isTrue(keys.every((k) => k?._tag === "Part"))
          assert.deepStrictEqual([...new Set(keys.map((k) => k?.day))].sort(), [literalDay, D, D2, null])
          // 360 + 30 repeats; 2 of the 360 sample rows are empty pins (title and description placeholders)
          assert.strictEqual(summary.process.events, 390)
          assert.strictEqual(summary.process.rejects, 2)
          assert.strictEqual(summary.process.pins, 358)
          assert.strictEqual(summary.process.landed, 358)
          assert.strictEqual(summary.process.gap, 0)
          // literalDay and D2 got their first objects in this run: processed too, each as a run of its own
          assert.deepStrictEqual(summary.reprocessed, [
            { day: literalDay, succeeded: true },
            { day: D2, succeeded: true }
          ])
          // the 40 sample rows of D2 are all clean pins
          assert.strictEqual(
            (yield* tables(D2)).stats.reduce((n, r) => n + r.pins, 0),
            40
          )
          const literal = tenEventsRows(literalDay)
          assert.deepStrictEqual(yield* tables(literalDay), {
            stats: literal.categories.map(({ day: _day, ...row }) => row),
            tags: literal.tags.map(({ day: _day, ...row }) => row)
          })

          const { sql } = yield* Database
          const expected = yield* Effect.promise(
            () => sql`select coalesce(category, '(none)') as category, count(*)::int as pins,
              percentile_cont(0.5) within group (order by follower_count) as median_follower_count,
              avg(case when downloaded then 1.0 else 0.0 end)::float8 as downloaded_ratio,
              (count(*) filter (where media_type = 'image'))::int as images,
              (count(*) filter (where media_type = 'video'))::int as videos,
              (count(*) filter (where media_type = 'story'))::int as stories
            from pins where ingested_at >= ${`${D}T00:00:00Z`}::timestamptz and ingested_at < ${`${D2}T00:00:00Z`}::timestamptz
            group by 1 order by coalesce(category, '(none)') collate "C"`
          )
          const expectedTags = yield* Effect.promise(
            () => sql`select tag, count(*)::int as pins from pins, unnest(tags) as tag
            where ingested_at >= ${`${D}T00:00:00Z`}::timestamptz and ingested_at < ${`${D2}T00:00:00Z`}::timestamptz
            group by 1 order by tag collate "C"`
          )
          const actual = yield* tables(D)
          assert.isAtLeast(expected.length, 3)
          assert.deepStrictEqual(
            actual.stats.map((r) => ({ ...r, downloaded_ratio: Number(r.downloaded_ratio.toFixed(12)) })),
            expected.map((r) => ({ ...r, downloaded_ratio: Number(r.downloaded_ratio.toFixed(12)) }))
          )
          assert.deepStrictEqual(actual.tags, [...expectedTags])
          assert.strictEqual(actual.stats.find((r) => r.category === "repeated")?.pins, 30)
        })
      ),
    120_000
  )

  it.live(
    "running the day again changes nothing: same objects, same tables, same rejects",
    () =>
      run(
        Effect.gen(function* () {
          const { sql } = yield* Database
          const rejectCount = () =>
            Effect.promise(() => sql`select count(*)::int as n from pin_rejects where source = 'batch'`)
          const before = { objects: yield* objects, tables: yield* tables(D), rejects: yield* rejectCount() }
          const again = yield* runDay(D)
          assert.strictEqual(again.archive.events, 0)
          assert.deepStrictEqual(yield* objects, before.objects)
          assert.deepStrictEqual(yield* tables(D), before.tables)
          assert.deepStrictEqual(yield* rejectCount(), before.rejects)
          const runs = yield* Effect.promise(() => sql`select day::text, status from batch_runs order by id`)
          assert.deepStrictEqual(
            runs.map((r) => [r.day, r.status]),
            [
              [D, "succeeded"],
              [literalDay, "succeeded"],
              [D2, "succeeded"],
              [D, "succeeded"]
            ]
          )
        })
      ),
    120_000
  )

  it.live(
    "processes the original's one-JSON-per-event objects placed in a day folder",
    () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          const legacy = rows.slice(0, 12)
          for (const row of legacy)
            yield* store.put(
              `${archiveRootFor(topic)}dt=${legacyDay}/${String(row.unique_id)}.json`,
              new TextEncoder().encode(JSON.stringify(row, null, 2))
            )
          const summary = yield* runDay(legacyDay)
          assert.strictEqual(summary.process.legacyObjects, 12)
          // the first 12 sample rows are all clean pins
          assert.strictEqual(summary.process.pins, 12)
          const stats = (yield* tables(legacyDay)).stats
          assert.strictEqual(
            stats.reduce((n, r) => n + r.pins, 0),
            12
          )
        })
      ),
    120_000
  )
})
