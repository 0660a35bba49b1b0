/**
 * `npm run bench -- e2e [--quick]`: the ingest edge and the stream worker as child processes on a fresh
 * topic and schema; events are posted one per request at 2,000/s for 20 s (5 s with --quick) and each
 * one's latency is `pins.processed_at` minus the moment it was posted (one host, one clock). Baseline in
 * the same run: the ingest round trip alone (200 received). Target: p99 posted → row visible < 1 s.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import type { BenchOptions } from "./bench.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092"
const databaseUrl = process.env.DATABASE_URL ?? "postgres://pinflow:pinflow@127.0.0.1:5432/pinflow"
const sample = readFileSync(new URL("../../shared/data/pins-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Record<string, unknown>)
  // only rows that become pins, so every posted event has a row to wait for
  .filter((e) => e.title !== "No Title Data Available")

const start = (script: string, env: Record<string, string>): ChildProcess =>
  spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "Warn", ...env },
    stdio: ["ignore", "ignore", "inherit"]
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const rate = 2000
  const seconds = quick ? 5 : 20
  const id = Date.now().toString(36)
  const topic = `bench-e2e-${id}`
  const schema = `bench_e2e_${id}`
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create schema "${schema}"`)
  const url = new URL(databaseUrl)
  url.searchParams.set("search_path", schema)
  const port = String(18000 + Math.floor(Math.random() * 1000))
  const common = { KAFKA_BROKERS: brokers, PINS_TOPIC: topic, KAFKA_PARTITIONS: "6" }
  const ingest = start("packages/ingest/src/main.ts", { ...common, PORT: port, HOST: "127.0.0.1" })
  const worker = start("packages/stream/src/main.ts", {
    ...common,
    DATABASE_URL: url.toString(),
    STREAM_GROUP: `g-${topic}`,
    METRICS_PORT: "0"
  })
  const sql = postgres(url.toString(), { max: 1, onnotice: () => undefined })
  try {
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/readyz`)
        .then((r) => r.ok)
        .catch(() => false)
      const migrated = await sql`select to_regclass('pins') as t`.then((r) => r[0]?.t !== null).catch(() => false)
      if (ready && migrated) break
      if (i > 300) throw new Error("ingest or stream did not start within 60 s")
      await sleep(200)
    }
    await sleep(3000) // the worker joins its group
    const total = rate * seconds
    const postedAt = new Map<string, number>()
    const roundTrips: Array<number> = []
    let failed = 0
    const startedAt = performance.timeOrigin + performance.now()
    const inFlight: Array<Promise<void>> = []
    for (let i = 0; i < total; i++) {
      const due = startedAt + (i * 1000) / rate
      const wait = due - (performance.timeOrigin + performance.now())
      if (wait > 1) await sleep(wait)
      const uid = `e2e-${id}-${i}`
      const body = JSON.stringify({ ...sample[i % sample.length], unique_id: uid })
      const t0 = performance.timeOrigin + performance.now()
      postedAt.set(uid, t0)
      inFlight.push(
        fetch(`${base}/pin/`, { method: "POST", headers: { "content-type": "application/json" }, body }).then(
          async (r) => {
            await r.arrayBuffer()
            if (r.ok) roundTrips.push(performance.timeOrigin + performance.now() - t0)
            else failed++
          },
          () => void failed++
        )
      )
    }
    await Promise.all(inFlight)
    const expected = total - failed
    for (let i = 0; i < 300; i++) {
      const [row] = await sql`select count(*)::int as n from pins`
      if ((row?.n ?? 0) >= expected) break
      await sleep(200)
    }
    const rows = await sql<Array<{ unique_id: string; ms: number; worker: number }>>`
      select unique_id, (extract(epoch from processed_at) * 1000)::float8 as ms,
        (extract(epoch from processed_at - ingested_at) * 1000)::float8 as worker from pins`
    const workerShare = rows.map((r) => r.worker).sort((a, b) => a - b)
    const latencies = rows
      .map((r) => r.ms - (postedAt.get(r.unique_id) ?? Number.NaN))
      .filter((x) => !Number.isNaN(x))
      .sort((a, b) => a - b)
    roundTrips.sort((a, b) => a - b)
    const fmt = (x: number) => `${Math.round(x)} ms`
    console.table([
      {
        measure: "ingest: POST /pin/ → 200 (baseline)",
        events: roundTrips.length,
        p50: fmt(percentile(roundTrips, 50)),
        p99: fmt(percentile(roundTrips, 99)),
        max: fmt(roundTrips.at(-1) ?? Number.NaN)
      },
      {
        measure: "edge ingested_at → row in pins (Kafka + worker)",
        events: workerShare.length,
        p50: fmt(percentile(workerShare, 50)),
        p99: fmt(percentile(workerShare, 99)),
        max: fmt(workerShare.at(-1) ?? Number.NaN)
      },
      {
        measure: "end to end: posted → row in pins",
        events: latencies.length,
        p50: fmt(percentile(latencies, 50)),
        p99: fmt(percentile(latencies, 99)),
        max: fmt(latencies.at(-1) ?? Number.NaN)
      }
    ])
    const p99 = percentile(latencies, 99)
    console.log(
      `e2e: ${latencies.length}/${total} events posted at ${rate}/s landed in pins (${failed} posts failed); posted → row p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(p99)} (target < 1000 ms: ${p99 < 1000 ? "met" : "missed"}); edge → row p99 ${fmt(percentile(workerShare, 99))}; ingest alone p99 ${fmt(percentile(roundTrips, 99))}`
    )
  } finally {
    ingest.kill("SIGTERM")
    worker.kill("SIGTERM")
    await sql.end()
    await admin.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  }
}
