/**
 * `npm run bench -- batch [--quick] [--5m] [--defaults]`: the batch program against the real services (Kafka,
 * fake-gcs-server, PostgreSQL). 1,000,000 events (100,000 with --quick) of the sample's rows, with unique
 * ids, all on one UTC day, are produced to a fresh 6-partition topic; then `pinflow batch run --date D` runs
 * in its own process (wall time and peak RSS = VmHWM of that process) to archive them as gzip NDJSON parts
 * and process the day — once per aggregation design on the same topic: staged in PostgreSQL
 * (`BATCH_AGGREGATION=database`, the default) and the earlier in-memory accumulator (`memory`), each into its
 * own bucket, schema and consumer group. `--5m` adds a 5,000,000-event day (database design only: the
 * in-memory one needs ~4 GiB there), to show the peak RSS does not grow with the day. The staged runs use
 * the lean V8 heap of the batch README ("Memory"); `--defaults` adds one with node's default heap.
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
import { againstBudget, budgets, pinflowLaunch } from "./process.ts"

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
  /** The largest sampled VmRSS while archiving, and while processing. */
  readonly archiveRssMiB: number
  readonly processRssMiB: number
  readonly summary: string
}

/** `pinflow batch run --date D` in a child process: wall time, peak RSS (VmHWM), its summary line. */
const batchRun = (vars: Record<string, string>): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [pinflowLaunch(["batch"]).script, "batch", "run", "--date", day], {
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
    const phasePeak = { archive: 0, process: 0 }
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
        // which step the resident set is largest in (sampled, so a little below VmHWM)
        const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
        const phase = output.includes("process: reading the day back") ? "process" : "archive"
        phasePeak[phase] = Math.max(phasePeak[phase], rss)
      } catch {}
    }, 100)
    child.on("exit", (code) => {
      clearInterval(poll)
      const seconds = (performance.now() - started) / 1000
      const summary = output.split("\n").find((l) => l.includes(`batch ${day} succeeded`)) ?? ""
      if (code !== 0 || summary === "") reject(new Error(`batch run exited ${code}:\n${output.slice(-3000)}`))
      else
        resolve({
          seconds,
          peakRssMiB: peak,
          archiveRssMiB: phasePeak.archive,
          processRssMiB: phasePeak.process,
          summary
        })
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

interface Case {
  readonly label: string
  readonly events: number
  readonly measured: Measured
  readonly counts: Record<string, number>
}

/** One `pinflow batch run` of the topic's day with `aggregation`, in a bucket, schema and group of its own. */
const runCase = async (
  cleanup: Array<() => Promise<unknown>>,
  common: Record<string, string>,
  topic: string,
  events: number,
  aggregation: "database" | "memory",
  lean: boolean
): Promise<Case> => {
  const name = `bench-batch-${aggregation}-${lean ? "lean" : "default"}-${events}-${id}`
  const schema = name.replaceAll("-", "_")
  cleanup.push(
    () => dropSchema(schema),
    () => deleteBucket(name)
  )
  await createBucket(name)
  const url = await schemaUrl(schema)
  const measured = await batchRun({
    ...common,
    DATABASE_URL: url,
    GCS_BUCKET: name,
    PINS_TOPIC: topic,
    BATCH_GROUP: name,
    BATCH_AGGREGATION: aggregation,
    NODE_OPTIONS: lean ? leanNodeOptions : ""
  })
  const label = `${aggregation === "database" ? "staged in PostgreSQL" : "in-memory accumulator (before)"}, ${lean ? "lean V8 heap" : "node defaults"}`
  return { label, events, measured, counts: await lastRunCounts(url) }
}

const deleteBucket = async (name: string) => {
  const storage = new Storage({ apiEndpoint: env.gcsEndpoint, projectId: "bench" })
  await storage
    .bucket(name)
    .deleteFiles({ force: true })
    .catch(() => undefined)
  await storage
    .bucket(name)
    .delete()
    .catch(() => undefined)
}

/** The V8 heap limits the batch README recommends (see "Memory"). */
const leanNodeOptions = "--max-semi-space-size=2 --max-old-space-size=128"

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(1)

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  quietKafkaJsTimeoutWarning()
  const events = quick ? 100_000 : 1_000_000
  const big = process.argv.includes("--5m") ? 5_000_000 : undefined
  const legacyEvents = quick ? 1_000 : 5_000
  const topic = `bench-batch-${id}`
  const bigTopic = `bench-batch-5m-${id}`
  const emptyTopic = `bench-batch-legacy-${id}`
  const legacyBucket = `bench-batch-legacy-${id}`
  const legacySchema = `bench_batch_legacy_${id}`
  const cleanup: Array<() => Promise<unknown>> = [
    () => deleteTopic(topic),
    () => deleteTopic(bigTopic),
    () => deleteTopic(emptyTopic),
    () => deleteBucket(legacyBucket),
    () => dropSchema(legacySchema)
  ]
  process.stdout.write(
    `batch bench: ${fmt.format(events)} events on ${day}${big === undefined ? "" : ` and ${fmt.format(big)}`}; baseline ${fmt.format(legacyEvents)} events\n`
  )
  try {
    const t0 = performance.now()
    await produce(topic, events)
    await produce(emptyTopic, 0)
    if (big !== undefined) await produce(bigTopic, big)
    process.stdout.write(`  produced the events in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured)\n`)
    await createBucket(legacyBucket)
    const legacyUrl = await schemaUrl(legacySchema)
    const common = { KAFKA_BROKERS: env.brokers, GCS_ENDPOINT: env.gcsEndpoint, LOG_LEVEL: "Info", METRICS_PORT: "0" }

    const cases: Array<Case> = []
    // before first, then the new design: the same topic, read by a group of each
    cases.push(await runCase(cleanup, common, topic, events, "memory", false))
    cases.push(await runCase(cleanup, common, topic, events, "database", true))
    // node's defaults (V8 grows its heap lazily: mostly garbage not yet collected), with --defaults
    const defaults = process.argv.includes("--defaults")
    if (defaults) cases.push(await runCase(cleanup, common, topic, events, "database", false))
    if (big !== undefined) cases.push(await runCase(cleanup, common, bigTopic, big, "database", true))

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

    const perEvent = (s: number, n: number) => (s * 1e6) / n
    const theirs = perEvent(writeSeconds + original.seconds, legacyEvents)
    const rows: Array<ReadonlyArray<string>> = [
      [
        "layout / aggregation",
        "events",
        "objects",
        "stored",
        "time s",
        "archive s",
        "process s",
        "insights s",
        "retention s",
        "events/s",
        "µs/event",
        "peak RSS",
        "archive/process RSS",
        "batch budget"
      ],
      ...cases.map((c) => [
        c.label,
        fmt.format(c.events),
        String(c.counts.objects_written ?? "?"),
        mib(c.counts.bytes_written ?? 0),
        c.measured.seconds.toFixed(1),
        seconds(c.counts.archive_ms),
        seconds(c.counts.process_ms),
        seconds(c.counts.insights_ms),
        seconds(c.counts.retention_ms),
        fmt.format(Math.round(c.events / c.measured.seconds)),
        perEvent(c.measured.seconds, c.events).toFixed(1),
        `${c.measured.peakRssMiB.toFixed(0)} MiB`,
        `${c.measured.archiveRssMiB.toFixed(0)}/${c.measured.processRssMiB.toFixed(0)} MiB`,
        againstBudget(c.measured.peakRssMiB, budgets.batch)
      ]),
      [
        "original: 1 object/event",
        fmt.format(legacyEvents),
        String(legacyCounts.legacy_objects_read ?? "?"),
        mib(legacyCounts.bytes_read ?? 0),
        `${(writeSeconds + original.seconds).toFixed(1)}`,
        writeSeconds.toFixed(1),
        original.seconds.toFixed(1),
        "",
        "",
        fmt.format(Math.round(legacyEvents / (writeSeconds + original.seconds))),
        theirs.toFixed(1),
        `${original.peakRssMiB.toFixed(0)} MiB`,
        `${original.archiveRssMiB.toFixed(0)}/${original.processRssMiB.toFixed(0)} MiB`,
        ""
      ]
    ]
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? []
    for (const r of rows)
      process.stdout.write(
        `  ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join("  ")}\n`
      )
    const [before, ours] = cases as [Case, Case]
    const five = big === undefined ? undefined : cases.at(-1)
    for (const c of cases) process.stdout.write(`  ${c.measured.summary.replace(/^.*?(batch )/, "$1")}\n`)
    const same =
      before.counts.pins === ours.counts.pins &&
      before.counts.categories === ours.counts.categories &&
      before.counts.tags === ours.counts.tags
    process.stdout.write(
      `  both designs: pins ${fmt.format(ours.counts.pins ?? 0)}, categories ${ours.counts.categories}, tags ${ours.counts.tags}${same ? "" : " (DIFFERENT from the in-memory design!)"}\n`
    )
    const ourUs = perEvent(ours.measured.seconds, events)
    const target =
      events === 1_000_000
        ? ours.measured.seconds < 60 && (ours.counts.objects_written ?? 999) <= 100 && ours.measured.peakRssMiB <= 300
          ? "met"
          : "MISSED"
        : "n/a (--quick)"
    process.stdout.write(
      `batch: ${fmt.format(events)} events archived + processed in ${ours.measured.seconds.toFixed(1)} s (steps: archive ${seconds(ours.counts.archive_ms)} s, process ${seconds(ours.counts.process_ms)} s, insights ${seconds(ours.counts.insights_ms)} s, retention ${seconds(ours.counts.retention_ms)} s; ${(ours.measured.seconds / before.measured.seconds).toFixed(2)}× the in-memory design's ${before.measured.seconds.toFixed(1)} s) into ${ours.counts.objects_written} objects (${mib(ours.counts.bytes_written ?? 0)}), peak RSS ${ours.measured.peakRssMiB.toFixed(0)} MiB (in-memory design ${before.measured.peakRssMiB.toFixed(0)} MiB)${five === undefined ? "" : `; ${fmt.format(five.events)} events: peak RSS ${five.measured.peakRssMiB.toFixed(0)} MiB (${(five.measured.peakRssMiB / ours.measured.peakRssMiB).toFixed(2)}× the 1M day's) [goal < 1.10×: ${five.measured.peakRssMiB < 1.1 * ours.measured.peakRssMiB ? "met" : "MISSED"}]`}; ${ourUs.toFixed(1)} µs/event vs ${theirs.toFixed(0)} µs/event for one object per event (${(theirs / ourUs).toFixed(0)}× cheaper); target 1M < 60 s, ≤ 100 objects, ≤ 300 MiB: ${target}; issue 14 goal 1M ≤ 15 s within 300 MiB: ${events === 1_000_000 ? (ours.measured.seconds <= 15 && ours.measured.peakRssMiB <= 300 ? "met" : "MISSED") : "n/a (--quick)"}\n`
    )
  } finally {
    for (const step of cleanup) await step().catch(() => undefined)
  }
}
