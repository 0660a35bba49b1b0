/**
 * `npm run bench -- stream [--quick]`: preloads N events (500,000; 50,000 with --quick) into a fresh topic,
 * then times the stream worker (in-process, real kafkajs source and Postgres store) until every event is
 * in Postgres, once per pin write path (unnest, copy). Baseline in the same run: one `COPY` of the same
 * clean rows straight into an empty `pins` table. Needs `npm run services -- up`.
 */
import { readFileSync } from "node:fs"
import {
  Database,
  KafkaClient,
  Migrations,
  type PinRow,
  PinSource,
  PinStore,
  textArrayLiteral,
  type WriteMethod
} from "@pinflow/adapters"
import { StreamSettings } from "@pinflow/stream/StreamSettings"
import { runWorker } from "@pinflow/stream/StreamWorker"
import { toWriteBatch } from "@pinflow/stream/Transform"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, Logger, References } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import postgres from "postgres"
import type { BenchOptions } from "./bench.ts"

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",")
const databaseUrl = process.env.DATABASE_URL ?? "postgres://pinflow:pinflow@127.0.0.1:5432/pinflow"
const sample = readFileSync(new URL("../../shared/data/pins-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => {
    const { poster_name: _p, ...event } = JSON.parse(l) as Record<string, unknown>
    return event
  })

/** Event i: sample row i mod 2,384 with its own id, stamped as the edge would. */
const eventValue = (i: number): string =>
  JSON.stringify({ ...sample[i % sample.length], unique_id: `bench-${i}`, ingested_at: "2026-11-26T10:00:00.000Z" })

const now = () => performance.now()

const schemaUrl = async (name: string) => {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await sql.unsafe(`drop schema if exists "${name}" cascade; create schema "${name}"`)
  await sql.end()
  const url = new URL(databaseUrl)
  url.searchParams.set("search_path", name)
  return url.toString()
}

const dropSchema = async (name: string) => {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await sql.unsafe(`drop schema if exists "${name}" cascade`)
  await sql.end()
}

const preload = async (topic: string, n: number) => {
  const kafka = new Kafka({ clientId: "pinflow-bench", brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topic, `${topic}.rejected`].map((t) => ({ topic: t, numPartitions: 6, replicationFactor: 1 }))
  })
  await admin.disconnect()
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  for (let i = 0; i < n; i += 1_000) {
    const messages = Array.from({ length: Math.min(1_000, n - i) }, (_, j) => ({
      key: `bench-${i + j}`,
      value: eventValue(i + j)
    }))
    await producer.send({ topic, messages })
  }
  await producer.disconnect()
}

interface Run {
  readonly label: string
  readonly rows: number
  readonly seconds: number
  readonly maxRssMb: number
}

/** The worker until `n` events are stored (pins + rejects). */
const timeWorker = async (topic: string, n: number, method: WriteMethod): Promise<Run> => {
  const schema = `bench_stream_${method}`
  const url = await schemaUrl(schema)
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  const layers = Layer.mergeAll(
    PinSource.layer.pipe(Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-bench" }))),
    PinStore.layerMethod(method).pipe(Layer.provideMerge(Migrations.layer), Layer.provide(Database.layer)),
    StreamSettings.layerWith({ group: `${topic}-${method}`, pinsTopic: topic, rejectedTopic: `${topic}.rejected` })
  ).pipe(
    Layer.provide(
      ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url, KAFKA_BROKERS: brokers.join(",") }))
    ),
    Layer.provide(Layer.mergeAll(Logger.layer([Logger.consoleJson]), Layer.succeed(References.MinimumLogLevel, "Warn")))
  )
  let maxRss = process.memoryUsage().rss
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 100)
  const program = Effect.gen(function* () {
    // the Layers (connections, migrations) are built; the group join and first fetch are measured
    const stop = yield* Deferred.make<void>()
    const started = now()
    const fiber = yield* Effect.forkChild(runWorker(stop))
    while (true) {
      const [row] = yield* Effect.promise(
        () => sql`select (select count(*) from pins) + (select count(*) from pin_rejects) as n`
      )
      if (Number(row?.n) >= n) break
      yield* Effect.sleep("100 millis")
    }
    const seconds = (now() - started) / 1000
    yield* Deferred.succeed(stop, undefined)
    yield* Fiber.join(fiber)
    return seconds
  })
  const seconds = await Effect.runPromise(program.pipe(Effect.provide(layers)))
  clearInterval(sampler)
  await sql.end()
  await dropSchema(schema)
  return { label: `stream worker (${method})`, rows: n, seconds, maxRssMb: maxRss / 2 ** 20 }
}

const copyField = (v: string | number | boolean | null): string =>
  v === null
    ? "\\N"
    : typeof v === "string"
      ? v.replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c] ?? c)
      : String(v)

const copyLine = (p: PinRow) =>
  [
    p.unique_id,
    p.index,
    p.title,
    p.description,
    p.follower_count,
    textArrayLiteral(p.tags),
    p.media_type,
    p.image_src,
    p.downloaded,
    p.save_location,
    p.category,
    p.ingested_at
  ]
    .map(copyField)
    .join("\t")

/** The physical reference: one COPY of the same clean rows into an empty pins table. */
const timeCopy = async (n: number): Promise<Run> => {
  const schema = "bench_stream_copy_reference"
  const url = await schemaUrl(schema)
  await Effect.runPromise(
    Migrations.layer.pipe(
      Layer.provide(Database.layer),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url }))),
      Layer.build,
      Effect.scoped,
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )
  )
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  const topics = { pinsTopic: "pins", rejectedTopic: "pins.rejected" }
  const started = now()
  const stream =
    await sql`copy pins (unique_id, pin_index, title, description, follower_count, tags, media_type, image_src, downloaded, save_location, category, ingested_at) from stdin`.writable()
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject)
    stream.on("finish", resolve)
    let i = 0
    const write = () => {
      while (i < n) {
        const records = Array.from({ length: Math.min(2000, n - i) }, (_, j) => ({
          topic: "pins",
          partition: 0,
          offset: i + j,
          key: null,
          value: eventValue(i + j),
          timestamp: 0,
          highWatermark: 0,
          generation: 0
        }))
        i += records.length
        const text = toWriteBatch(records, topics, "").pins.map(copyLine).join("\n")
        if (!stream.write(`${text}\n`)) return void stream.once("drain", write)
      }
      stream.end()
    }
    write()
  })
  const seconds = (now() - started) / 1000
  const [row] = await sql`select count(*)::int as n from pins`
  await sql.end()
  await dropSchema(schema)
  return { label: "reference: one COPY of the clean rows", rows: row?.n ?? 0, seconds, maxRssMb: Number.NaN }
}

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const n = quick ? 50_000 : 500_000
  const topic = `bench-stream-${Date.now().toString(36)}`
  process.stderr.write(`preloading ${n} events into ${topic}…\n`)
  await preload(topic, n)
  const reference = await timeCopy(n)
  const runs = [await timeWorker(topic, n, "unnest"), await timeWorker(topic, n, "copy")]
  const rate = (r: Run) => r.rows / r.seconds
  const rows = [...runs, reference].map((r) => ({
    run: r.label,
    rows: r.rows,
    seconds: r.seconds.toFixed(2),
    "rows/s": Math.round(rate(r)),
    "share of COPY": `${Math.round((100 * rate(r)) / rate(reference))}%`,
    "max RSS MB": Number.isNaN(r.maxRssMb) ? "" : Math.round(r.maxRssMb)
  }))
  console.table(rows)
  const best = runs.reduce((a, b) => (rate(a) >= rate(b) ? a : b))
  console.log(
    `stream: ${Math.round(rate(best))} events/s into Postgres with ${best.label} = ${Math.round((100 * rate(best)) / rate(reference))}% of one raw COPY (${Math.round(rate(reference))} rows/s; target ≥ 50%), ${n} events, max RSS ${Math.round(best.maxRssMb)} MB`
  )
}
