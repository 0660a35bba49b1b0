/**
 * `npm run bench -- stream [--quick]`: preloads N events (500,000; 50,000 with --quick) into a fresh
 * 6-partition topic, then, per round (`BENCH_STREAM_ROUNDS`, default 2), measures the physical reference
 * (one `COPY` of the same clean rows, cleaned in the timed loop, into an empty `pins` table) and times the
 * stream worker until every event is in Postgres, once per pin write path (`BENCH_STREAM_METHODS`, default
 * `unnest,copy`). Medians are reported; each share compares with the median reference of the same run.
 *
 * The worker is the program as deployed, `node packages/cli/src/bin.ts stream`, in its own process with the
 * product defaults, overridable by the same variables (`STREAM_BATCH_SIZE`, `STREAM_WRITE_CONCURRENCY`,
 * …; `PIN_STORE_METHOD` per method), so its peak RSS (/proc VmHWM, beside issue 11's 200 MB worker
 * budget) and CPU are its own. It knows it is done when its `/metrics` count N rows written (no
 * `count(*)` polling competing for the 2 cores), then checks the count once. The CPU split of the
 * timed interval (worker, postgres, kafka, other, idle; from /proc) says where the machine's time went.
 * `BENCH_STREAM_PROF=1` writes a `--cpu-prof` profile of each worker to `.bench/stream-profiles/`.
 * `BENCH_STREAM_VARIANTS` compares worker settings in the same run, in turns within each round:
 * `;`-separated variants of `,`-separated assignments, `default` for none (e.g.
 * `default;STREAM_BATCH_WINDOW=200 millis;PIN_STORE_PREPARE=false`).
 */
import { readdirSync, readFileSync } from "node:fs"
import { Database, Migrations, type PinRow, textArrayLiteral, type WriteMethod } from "@pinflow/adapters"
import { toWriteBatch } from "@pinflow/stream/Transform"
import { ConfigProvider, Effect, Layer, References } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import postgres from "postgres"
import { quietKafkaJsTimeoutWarning } from "../services/warnings.ts"
import type { BenchOptions } from "./bench.ts"
import { againstBudget, answers, budgets, spawnPinflow, waitUntil } from "./process.ts"

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

// ---- CPU accounting from /proc (Linux): clock ticks per group over an interval ----

export interface CpuSnapshot {
  readonly total: number
  readonly idle: number
  readonly groups: Record<string, number>
}

/** CPU ticks so far of the machine, of each named process, and of all `postgres` and `java` (Kafka) processes. */
export const cpuSnapshot = (named: Record<string, number>): CpuSnapshot => {
  const [cpu] = readFileSync("/proc/stat", "utf8").split("\n")
  const ticks = (cpu ?? "").trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
  const byPid = new Map(Object.entries(named).map(([group, pid]) => [pid, group]))
  const groups: Record<string, number> = Object.fromEntries(Object.keys(named).map((g) => [g, 0]))
  groups.postgres = 0
  groups.kafka = 0
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      const used = Number(fields[11]) + Number(fields[12])
      const group = byPid.get(Number(pid)) ?? (comm === "postgres" ? "postgres" : comm === "java" ? "kafka" : undefined)
      if (group !== undefined) groups[group] = (groups[group] ?? 0) + used
    } catch {
      // the process ended meanwhile
    }
  }
  return { total: ticks.reduce((a, b) => a + b, 0), idle, groups }
}

/** Share of the machine's CPU time (all cores) per group between two snapshots; `other` is the rest. */
export const cpuSplit = (a: CpuSnapshot, b: CpuSnapshot): Record<string, number> => {
  const total = b.total - a.total
  const split: Record<string, number> = {}
  let known = 0
  for (const [group, ticks] of Object.entries(b.groups)) {
    const used = Math.max(0, ticks - (a.groups[group] ?? 0))
    split[group] = used / total
    known += used
  }
  const idle = b.idle - a.idle
  split.other = Math.max(0, total - idle - known) / total
  split.idle = idle / total
  return split
}

// ---- the worker: `pinflow stream`, its own process ----

interface Run {
  readonly label: string
  readonly rows: number
  readonly seconds: number
  /** VmHWM of the worker process, MB (NaN for the reference, which runs in the bench). */
  readonly maxRssMb: number
  readonly cpu?: Record<string, number>
  /** The worker process's own CPU time (all its threads) per row, µs. */
  readonly cpuPerRowUs?: number
}

interface WorkerTask {
  readonly topic: string
  readonly n: number
  readonly method: WriteMethod
  readonly round: number
  /** Settings of this variant (`{}`: the defaults), and its position (groups and schemas apart). */
  readonly variant: Readonly<Record<string, string>>
  readonly index: number
}

/** `BENCH_STREAM_VARIANTS`: `;`-separated lists of `,`-separated `NAME=value` (`default`: none). */
const variants = (text: string): ReadonlyArray<Readonly<Record<string, string>>> =>
  text.split(";").map((v) =>
    v.trim() === "default"
      ? {}
      : Object.fromEntries(
          v.split(",").map((a) => {
            const eq = a.indexOf("=")
            return [a.slice(0, eq).trim(), a.slice(eq + 1).trim()]
          })
        )
  )

const variantLabel = (variant: Readonly<Record<string, string>>) => {
  const entries = Object.entries(variant)
  return entries.length === 0 ? "" : `, ${entries.map(([k, v]) => `${k}=${v}`).join(" ")}`
}

/** pins + rejects written so far, from the worker's `/metrics` (a counter per table). */
const writtenSoFar = async (metrics: string): Promise<number> => {
  const text = await fetch(metrics).then((r) => r.text())
  let sum = 0
  for (const line of text.split("\n"))
    if (/^pinflow_(pins|rejects)_written_total[{ ]/.test(line)) sum += Number(line.slice(line.lastIndexOf(" ") + 1))
  return sum
}

let metricsPort = 19_460

/**
 * `pinflow stream` (product defaults, overridable by the same `STREAM_*` variables) until it has
 * reported `n` events stored (pins + rejects, its `/metrics` polled every 100 ms — no `count(*)`
 * competing for the 2 cores), then one count check. The clock starts once its metrics server answers
 * (Layers built: connections and migrations), so the group join and first fetch are measured.
 */
const timeWorker = async ({ topic, n, method, round, variant, index }: WorkerTask): Promise<Run> => {
  const schema = `bench_stream_${method}_${index}`
  const url = await schemaUrl(schema)
  const port = metricsPort++
  const worker = spawnPinflow(["stream"], {
    env: {
      STREAM_GROUP: `${topic}-${method}-${index}-${round}`,
      PINS_TOPIC: topic,
      DATABASE_URL: url,
      KAFKA_BROKERS: brokers.join(","),
      PIN_STORE_METHOD: method,
      METRICS_PORT: String(port),
      METRICS_HOST: "127.0.0.1",
      LOG_LEVEL: "Warn",
      ...variant
    },
    stdio: "inherit",
    nodeArgs: process.env.BENCH_STREAM_PROF === "1" ? ["--cpu-prof", "--cpu-prof-dir=.bench/stream-profiles"] : []
  })
  try {
    const metrics = `http://127.0.0.1:${port}/metrics`
    await waitUntil("the stream worker's metrics server", answers(metrics), { program: worker, everyMs: 20 })
    const cpuBefore = cpuSnapshot({ worker: worker.pid })
    const started = now()
    await waitUntil(`${n} events written`, async () => (await writtenSoFar(metrics)) >= n, {
      program: worker,
      timeoutMs: 1_800_000
    })
    const seconds = (now() - started) / 1000
    const cpuAfter = cpuSnapshot({ worker: worker.pid })
    const { peakMb } = worker.memory()
    const code = await worker.stop()
    if (code !== 0) throw new Error(`pinflow stream exited ${code} on SIGTERM`)
    const sql = postgres(url, { max: 1, onnotice: () => undefined })
    const [row] = await sql`select (select count(*) from pins) + (select count(*) from pin_rejects) as n`
    await sql.end()
    if (Number(row?.n) !== n) throw new Error(`expected ${n} rows after the run, found ${row?.n}`)
    const ticks = (cpuAfter.groups.worker ?? 0) - (cpuBefore.groups.worker ?? 0)
    const hz = 100 // USER_HZ on Linux
    return {
      label: `pinflow stream (${method}${variantLabel(variant)})`,
      rows: n,
      seconds,
      maxRssMb: peakMb,
      cpu: cpuSplit(cpuBefore, cpuAfter),
      cpuPerRowUs: (ticks / hz / n) * 1e6
    }
  } finally {
    await worker.stop()
    await dropSchema(schema)
  }
}

// ---- the physical reference ----

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

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

export const pct = (x: number) => `${Math.round(100 * x)}%`

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  quietKafkaJsTimeoutWarning()
  const n = quick ? 50_000 : 500_000
  const rounds = Math.max(1, Number(process.env.BENCH_STREAM_ROUNDS ?? 2))
  const methods = (process.env.BENCH_STREAM_METHODS ?? "unnest,copy").split(",") as Array<WriteMethod>
  const settings = variants(process.env.BENCH_STREAM_VARIANTS ?? "default")
  const topic = `bench-stream-${Date.now().toString(36)}`
  const overrides = Object.entries(process.env).filter(([k]) => k.startsWith("STREAM_"))
  process.stderr.write(
    `preloading ${n} events into ${topic}; ${rounds} round(s) of ${methods.join(", ")}; settings: ${overrides.length === 0 ? "defaults" : overrides.map(([k, v]) => `${k}=${v}`).join(" ")}; variants: ${settings.map((v) => variantLabel(v).slice(2) || "default").join(" | ")}\n`
  )
  await preload(topic, n)
  const runs: Array<Run> = []
  for (let round = 1; round <= rounds; round += 1) {
    runs.push(await timeCopy(n))
    // who goes first alternates between rounds
    const order = settings.map((variant, index) => ({ variant, index }))
    for (const { variant, index } of round % 2 === 1 ? order : order.reverse())
      for (const method of methods) runs.push(await timeWorker({ topic, n, method, round, variant, index }))
  }
  const rate = (r: Run) => r.rows / r.seconds
  const labels = [...new Set(runs.map((r) => r.label))]
  const reference = median(runs.filter((r) => r.label.startsWith("reference")).map(rate))
  const rows = runs.map((r) => ({
    run: r.label,
    seconds: r.seconds.toFixed(2),
    "rows/s": Math.round(rate(r)),
    "share of COPY": pct(rate(r) / reference),
    "peak RSS": Number.isNaN(r.maxRssMb) ? "" : `${Math.round(r.maxRssMb)} MB`,
    "worker budget": Number.isNaN(r.maxRssMb) ? "" : againstBudget(r.maxRssMb, budgets.worker),
    "worker CPU µs/row": r.cpuPerRowUs === undefined ? "" : r.cpuPerRowUs.toFixed(1),
    "CPU worker/pg/kafka/other/idle":
      r.cpu === undefined
        ? ""
        : ["worker", "postgres", "kafka", "other", "idle"].map((g) => pct(r.cpu?.[g] ?? 0)).join(" ")
  }))
  console.table(rows)
  const medians = labels.map((label) => {
    const of = runs.filter((r) => r.label === label)
    return {
      label,
      rate: median(of.map(rate)),
      rss: Math.max(...of.map((r) => r.maxRssMb)),
      cpuPerRow: median(of.map((r) => r.cpuPerRowUs ?? Number.NaN))
    }
  })
  for (const m of medians)
    console.log(
      `median ${m.label}: ${Math.round(m.rate)} rows/s = ${pct(m.rate / reference)} of COPY${Number.isNaN(m.rss) ? "" : `, peak RSS (worst round) ${againstBudget(m.rss, budgets.worker)}, worker CPU ${m.cpuPerRow.toFixed(1)} µs/row`}`
    )
  const best = medians.filter((m) => !m.label.startsWith("reference")).reduce((a, b) => (a.rate >= b.rate ? a : b))
  console.log(
    `stream: ${Math.round(best.rate)} events/s into Postgres with ${best.label} = ${pct(best.rate / reference)} of one raw COPY (median ${Math.round(reference)} rows/s) [goal ≥ 80%: ${best.rate / reference >= 0.8 ? "met" : "MISSED"}], ${n} events, median of ${rounds}; worker peak RSS ${againstBudget(Math.max(...medians.filter((m) => !m.label.startsWith("reference")).map((m) => m.rss)), budgets.worker)}${quick ? " (quick: not for publishing)" : ""}`
  )
}
