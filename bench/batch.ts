/**
 * `npm run bench -- batch [--quick]`: the batch program against the real services (Kafka, fake-gcs-server,
 * PostgreSQL). 1,000,000 events (100,000 with --quick) of the sample's rows, with unique ids, all on one
 * UTC day, are produced to a fresh 6-partition topic; then `pinflow batch run --date D` runs in its own
 * process (wall time and peak RSS measured) to archive them as gzip NDJSON parts and process the day.
 * Baseline in the same run: the original layout, one JSON object per event, for fewer events (written one
 * object per event, 8 uploads in flight, then read back one object per event by the same batch program
 * through its legacy path). Target: 1M events archived + processed in < 60 s with at most 100 objects.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Storage } from "@google-cloud/storage"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import postgres from "postgres"
import { quietKafkaJsTimeoutWarning } from "../services/warnings.ts"
import type { BenchOptions } from "./bench.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const env = {
  brokers: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
  databaseUrl: process.env.DATABASE_URL ?? "postgres://pinflow:pinflow@127.0.0.1:5432/pinflow",
  gcsEndpoint: process.env.GCS_ENDPOINT ?? "http://127.0.0.1:4443"
}
const id = Date.now().toString(36)
const day = new Date().toISOString().slice(0, 10)

const sample = readFileSync(new URL("../../shared/data/pins-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Event i: a sample row, unique id, stamped on day D (spread over the day), without poster_name. */
const eventJson = (i: number): string => {
  const { poster_name: _p, ...row } = sample[i % sample.length] as Record<string, unknown>
  const unique_id = `${String(row.unique_id).slice(0, 24)}${i.toString(16).padStart(12, "0")}`
  const ingested_at = new Date(Date.parse(`${day}T00:00:00Z`) + (i % 86_400_000)).toISOString()
  return JSON.stringify({ ...row, unique_id, ingested_at })
}

const produce = async (topic: string, count: number) => {
  const kafka = new Kafka({ clientId: "bench-batch", brokers: env.brokers.split(","), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] })
  await admin.disconnect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  const batch = 5_000
  const inFlight: Array<Promise<unknown>> = []
  for (let start = 0; start < count; start += batch) {
    const messages = Array.from({ length: Math.min(batch, count - start) }, (_, k) => {
      const value = eventJson(start + k)
      return { key: value.slice(value.indexOf('"unique_id":"') + 13, value.indexOf('"unique_id":"') + 49), value }
    })
    inFlight.push(producer.send({ topic, messages }))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  await producer.disconnect()
}

const deleteTopic = async (topic: string) => {
  const kafka = new Kafka({ clientId: "bench-batch", brokers: env.brokers.split(","), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
  await admin.disconnect()
}

const createBucket = async (name: string) => {
  const res = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name })
  })
  if (!res.ok && res.status !== 409) throw new Error(`cannot create bucket ${name}: HTTP ${res.status}`)
}

const schemaUrl = async (schema: string) => {
  const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
  await sql.unsafe(`create schema if not exists "${schema}"`)
  await sql.end()
  const url = new URL(env.databaseUrl)
  url.searchParams.set("search_path", schema)
  return url.toString()
}

interface Measured {
  readonly seconds: number
  readonly peakRssMiB: number
  readonly summary: string
}

/** `pinflow batch run --date D` in a child process: wall time, peak RSS (VmHWM), its summary line. */
const batchRun = (vars: Record<string, string>): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["packages/cli/src/bin.ts", "batch", "run", "--date", day], {
      cwd: root,
      env: { ...process.env, STORAGE_EMULATOR_HOST: "", ...vars },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    let peak = 0
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString()
    })
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString()
    })
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
      } catch {}
    }, 100)
    child.on("exit", (code) => {
      clearInterval(poll)
      const seconds = (performance.now() - started) / 1000
      const summary = output.split("\n").find((l) => l.includes(`batch ${day} succeeded`)) ?? ""
      if (code !== 0 || summary === "") reject(new Error(`batch run exited ${code}:\n${output.slice(-3000)}`))
      else resolve({ seconds, peakRssMiB: peak, summary })
    })
  })

const lastRunCounts = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  const [row] = await sql<
    Array<{ counts: Record<string, number> }>
  >`select counts from batch_runs order by id desc limit 1`
  await sql.end()
  return row?.counts ?? {}
}

const dropSchema = async (schema: string) => {
  const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
  await sql.unsafe(`drop schema if exists "${schema}" cascade`)
  await sql.end()
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`
const fmt = new Intl.NumberFormat("en-US")

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  quietKafkaJsTimeoutWarning()
  const events = quick ? 100_000 : 1_000_000
  const legacyEvents = quick ? 1_000 : 5_000
  const topic = `bench-batch-${id}`
  const emptyTopic = `bench-batch-legacy-${id}`
  const bucket = `bench-batch-${id}`
  const legacyBucket = `bench-batch-legacy-${id}`
  const schema = `bench_batch_${id}`
  const legacySchema = `bench_batch_legacy_${id}`
  process.stdout.write(
    `batch bench: ${fmt.format(events)} events on ${day}; baseline ${fmt.format(legacyEvents)} events\n`
  )
  try {
    const t0 = performance.now()
    await produce(topic, events)
    await produce(emptyTopic, 0)
    process.stdout.write(
      `  produced ${fmt.format(events)} events to ${topic} in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured)\n`
    )
    await createBucket(bucket)
    await createBucket(legacyBucket)
    const url = await schemaUrl(schema)
    const legacyUrl = await schemaUrl(legacySchema)
    const common = { KAFKA_BROKERS: env.brokers, GCS_ENDPOINT: env.gcsEndpoint, LOG_LEVEL: "Info", METRICS_PORT: "0" }

    const pinflow = await batchRun({
      ...common,
      DATABASE_URL: url,
      GCS_BUCKET: bucket,
      PINS_TOPIC: topic,
      BATCH_GROUP: `bench-${id}`
    })
    const counts = await lastRunCounts(url)

    // the original layout: one object per event, written one object per event, then read back
    const storage = new Storage({ apiEndpoint: env.gcsEndpoint, projectId: "bench" })
    const legacy = storage.bucket(legacyBucket)
    const w0 = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < legacyEvents) {
          const i = next++
          const value = eventJson(i)
          await legacy
            .file(`legacy/${JSON.parse(value).unique_id}.json`)
            .save(value, { resumable: false, contentType: "application/json" })
        }
      })
    )
    const writeSeconds = (performance.now() - w0) / 1000
    const original = await batchRun({
      ...common,
      DATABASE_URL: legacyUrl,
      GCS_BUCKET: legacyBucket,
      PINS_TOPIC: emptyTopic,
      BATCH_GROUP: `bench-legacy-${id}`,
      BATCH_LEGACY_PREFIX: "legacy/"
    })
    const legacyCounts = await lastRunCounts(legacyUrl)

    const perEvent = (seconds: number, n: number) => (seconds * 1e6) / n
    const ours = perEvent(pinflow.seconds, events)
    const theirs = perEvent(writeSeconds + original.seconds, legacyEvents)
    const rows: Array<ReadonlyArray<string>> = [
      ["layout", "events", "objects", "stored", "time s", "events/s", "µs/event", "peak RSS"],
      [
        "pinflow gzip NDJSON parts",
        fmt.format(events),
        String(counts.objects_written ?? "?"),
        mib(counts.bytes_written ?? 0),
        pinflow.seconds.toFixed(1),
        fmt.format(Math.round(events / pinflow.seconds)),
        ours.toFixed(1),
        `${pinflow.peakRssMiB.toFixed(0)} MiB`
      ],
      [
        "original: 1 object/event",
        fmt.format(legacyEvents),
        String(legacyCounts.legacy_objects_read ?? "?"),
        mib(legacyCounts.bytes_read ?? 0),
        `${(writeSeconds + original.seconds).toFixed(1)}`,
        fmt.format(Math.round(legacyEvents / (writeSeconds + original.seconds))),
        theirs.toFixed(1),
        `${original.peakRssMiB.toFixed(0)} MiB`
      ]
    ]
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? []
    for (const r of rows)
      process.stdout.write(
        `  ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join("  ")}\n`
      )
    process.stdout.write(
      `  pinflow steps: archive ${((counts.archive_ms ?? 0) / 1000).toFixed(1)} s, process ${((counts.process_ms ?? 0) / 1000).toFixed(1)} s; pins ${fmt.format(counts.pins ?? 0)}, rejects ${fmt.format(counts.rejects ?? 0)}; original: write ${writeSeconds.toFixed(1)} s + run ${original.seconds.toFixed(1)} s\n`
    )
    process.stdout.write(`  ${pinflow.summary.replace(/^.*?(batch )/, "$1")}\n`)
    const target =
      events === 1_000_000
        ? pinflow.seconds < 60 && (counts.objects_written ?? 999) <= 100
          ? "met"
          : "MISSED"
        : "n/a (--quick)"
    process.stdout.write(
      `batch: ${fmt.format(events)} events archived + processed in ${pinflow.seconds.toFixed(1)} s into ${counts.objects_written} objects (${mib(counts.bytes_written ?? 0)}), peak RSS ${pinflow.peakRssMiB.toFixed(0)} MiB; ${ours.toFixed(1)} µs/event vs ${theirs.toFixed(0)} µs/event for one object per event (${(theirs / ours).toFixed(0)}× cheaper); target 1M < 60 s, ≤ 100 objects: ${target}\n`
    )
  } finally {
    const storage = new Storage({ apiEndpoint: env.gcsEndpoint, projectId: "bench" })
    for (const name of [bucket, legacyBucket]) {
      await storage
        .bucket(name)
        .deleteFiles({ force: true })
        .catch(() => undefined)
      await storage
        .bucket(name)
        .delete()
        .catch(() => undefined)
    }
    await deleteTopic(topic).catch(() => undefined)
    await deleteTopic(emptyTopic).catch(() => undefined)
    await dropSchema(schema).catch(() => undefined)
    await dropSchema(legacySchema).catch(() => undefined)
  }
}
