/**
 * `npm run bench -- e2e [--quick]`: the latency/throughput curve. Per offered rate (`BENCH_E2E_RATES`,
 * default 500,2000,8000 events/s) and per worker configuration (`BENCH_E2E_WINDOWS`, default `0,200 millis`:
 * the worker's default — no batch window — and the former fixed 200 ms window, as `STREAM_BATCH_WINDOW`),
 * the ingest edge and the stream worker run as child processes on a fresh topic and schema; events are
 * posted one per request for 20 s (5 s with --quick). The configurations take turns (their order
 * alternates between rates), so both see the same machine. Phases, the same load:
 * 1. the edge alone (the worker not started yet; once per rate): POST /pin/ → 200, the baseline;
 * 2. the worker started and caught up (on phase 1, or on a 1 s warm-up), then the load: POST → 200 under
 *    the full pipeline, edge `ingested_at` → row, and posted → row visible (`pins.processed_at`, the
 *    writing transaction's start, minus the moment the event was due; one host, one clock). Throughput:
 *    every event must land, and `last row` is how long after the last due POST the worker had written
 *    everything (a worker that falls behind shows it there).
 * The load is open-loop: each request is due at a fixed time whatever the answers, and latency counts
 * from when it was due, so a late generator or a queue in front of the edge shows up instead of hiding
 * (coordinated omission). One client process, node:http over at most `BENCH_E2E_SOCKETS` (64) keep-alive
 * connections. Per phase: how late the generator sent (p99), and where the machine's CPU went (bench
 * client, edge, worker, postgres, kafka, other, idle), to tell a saturated generator from a slow edge.
 * Both programs run as deployed (`node packages/cli/src/bin.ts ingest|stream`), each its own process: their
 * peak RSS (/proc VmHWM) is printed after each phase and against issue 11's budgets (edge, worker ≤ 200 MB).
 * Goal (issue 14): p99 posted → row visible < 50 ms at 2,000 events/s, with every event landed.
 */
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import postgres from "postgres"
import type { BenchOptions } from "./bench.ts"
import { againstBudget, budgets, type Program, spawnPinflow } from "./process.ts"
import { cpuSnapshot, cpuSplit, pct } from "./stream.ts"

/** The largest of `values` (-Infinity when none). */
const largest = (values: Iterable<number>): number => {
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) if (v > max) max = v
  return max
}

const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092"
const databaseUrl = process.env.DATABASE_URL ?? "postgres://pinflow:pinflow@127.0.0.1:5432/pinflow"
const sample = readFileSync(new URL("../../shared/data/pins-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Record<string, unknown>)
  // only rows that become pins, so every posted event has a row to wait for
  .filter((e) => e.title !== "No Title Data Available")

/** `pinflow <command>` as deployed, its own process (its peak RSS is its own). */
const start = (command: "ingest" | "stream", env: Record<string, string>): Program =>
  spawnPinflow([command], { env: { LOG_LEVEL: "Warn", ...env }, stdio: "ignore" })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const clock = () => performance.timeOrigin + performance.now()

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b)

interface Phase {
  /** unique_id → when its POST was due (epoch ms). */
  readonly dueAt: Map<string, number>
  /** due → 200, ms. */
  readonly roundTrips: Array<number>
  /** due → actually handed to the socket layer, ms: the generator's own lateness. */
  readonly lateness: Array<number>
  readonly failed: number
  readonly cpu: Record<string, number>
}

/** Posts `rate` events/s for `seconds`, open-loop, and waits for every answer. */
const postPhase = async (
  base: URL,
  agent: Agent,
  prefix: string,
  rate: number,
  seconds: number,
  pids: Record<string, number>
): Promise<Phase> => {
  const total = rate * seconds
  const dueAt = new Map<string, number>()
  const roundTrips: Array<number> = []
  const lateness: Array<number> = []
  let failed = 0
  const post = (body: string, due: number) =>
    new Promise<void>((resolve) => {
      const req = request(
        base,
        {
          method: "POST",
          path: "/pin/",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
        },
        (res) => {
          res.resume()
          res.on("end", () => {
            if (res.statusCode === 200) roundTrips.push(clock() - due)
            else failed += 1
            resolve()
          })
        }
      )
      req.on("error", () => {
        failed += 1
        resolve()
      })
      req.end(body)
    })
  const cpuBefore = cpuSnapshot(pids)
  const startedAt = clock() + 5
  const inFlight: Array<Promise<void>> = []
  let i = 0
  while (i < total) {
    const now = clock()
    // every request due by now goes out (a late tick sends a burst; its lateness is recorded)
    while (i < total && startedAt + (i * 1000) / rate <= now) {
      const due = startedAt + (i * 1000) / rate
      const uid = `${prefix}-${i}`
      dueAt.set(uid, due)
      lateness.push(now - due)
      inFlight.push(post(JSON.stringify({ ...sample[i % sample.length], unique_id: uid }), due))
      i += 1
    }
    await sleep(Math.max(0, startedAt + (i * 1000) / rate - clock()))
  }
  await Promise.all(inFlight)
  const cpu = cpuSplit(cpuBefore, cpuSnapshot(pids))
  return { dueAt, roundTrips: sorted(roundTrips), lateness: sorted(lateness), failed, cpu }
}

const waitForRows = async (sql: postgres.Sql, expected: number) => {
  for (let i = 0; i < 600; i++) {
    const [row] = await sql`select count(*)::int as n from pins`
    if ((row?.n ?? 0) >= expected) return
    await sleep(200)
  }
  throw new Error(`fewer than ${expected} rows in pins after 120 s`)
}

const fmt = (x: number) => `${Math.round(x)} ms`
const cpuText = (cpu: Record<string, number>) =>
  ["bench", "ingest", "worker", "postgres", "kafka", "other", "idle"].map((g) => pct(cpu[g] ?? 0)).join(" ")

interface Case {
  readonly rate: number
  readonly window: string
  readonly first: boolean
}

interface Measured {
  readonly rate: number
  readonly window: string
  readonly alone?: Phase
  readonly aloneRss?: string
  readonly full: Phase
  readonly fullRss: string
  readonly edgeToRow: ReadonlyArray<number>
  readonly latencies: ReadonlyArray<number>
  /** Last row's processed_at minus the last POST's due time, ms. */
  readonly lastRow: number
  readonly edgePeak: number
  readonly workerPeak: number
}

const windowLabel = (window: string) => (/^0( \w+)?$/.test(window.trim()) ? "no window (default)" : `window ${window}`)

/** One rate and worker configuration on its own topic and schema: edge (+ alone phase), worker, the load. */
const measure = async ({ rate, window, first }: Case, seconds: number): Promise<Measured> => {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
  const topic = `bench-e2e-${id}`
  const schema = `bench_e2e_${id}`
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create schema "${schema}"`)
  const url = new URL(databaseUrl)
  url.searchParams.set("search_path", schema)
  const port = String(18000 + Math.floor(Math.random() * 1000))
  const common = { KAFKA_BROKERS: brokers, PINS_TOPIC: topic, KAFKA_PARTITIONS: "6" }
  const ingest = start("ingest", { ...common, PORT: port, HOST: "127.0.0.1" })
  let worker: Program | undefined
  const agent = new Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_E2E_SOCKETS ?? 64) })
  const sql = postgres(url.toString(), { max: 1, onnotice: () => undefined })
  try {
    const base = new URL(`http://127.0.0.1:${port}`)
    for (let i = 0; ; i++) {
      const ready = await fetch(new URL("/readyz", base))
        .then((r) => r.ok)
        .catch(() => false)
      if (ready) break
      if (i > 300) throw new Error("ingest did not start within 60 s")
      await sleep(200)
    }
    const pids = () => ({ bench: process.pid, ingest: ingest.pid, worker: worker?.pid ?? -1 })

    let alone: Phase | undefined
    let aloneRss: string | undefined
    if (first) {
      process.stderr.write(`${rate}/s: the edge alone for ${seconds} s\n`)
      alone = await postPhase(base, agent, `e2e-${id}-a`, rate, seconds, pids())
      aloneRss = `${ingest.memory().peakMb.toFixed(0)} MB / -`
    }
    worker = start("stream", {
      ...common,
      DATABASE_URL: url.toString(),
      STREAM_GROUP: `g-${topic}`,
      STREAM_BATCH_WINDOW: window,
      METRICS_PORT: "0"
    })
    for (let i = 0; ; i++) {
      const migrated = await sql`select to_regclass('pins') as t`.then((r) => r[0]?.t !== null).catch(() => false)
      if (migrated) break
      if (i > 300) throw new Error("the stream worker did not start within 60 s")
      await sleep(200)
    }
    // joined and caught up before the measured load: on phase 1, or on a 1 s warm-up
    const warm = alone ?? (await postPhase(base, agent, `e2e-${id}-w`, rate, 1, pids()))
    await waitForRows(sql, warm.roundTrips.length)
    await sleep(1000)

    process.stderr.write(`${rate}/s: edge + worker (${windowLabel(window)}) for ${seconds} s\n`)
    const full = await postPhase(base, agent, `e2e-${id}-b`, rate, seconds, pids())
    const fullRss = `${ingest.memory().peakMb.toFixed(0)} MB / ${worker.memory().peakMb.toFixed(0)} MB`
    await waitForRows(sql, warm.roundTrips.length + full.roundTrips.length)
    const rows = await sql<Array<{ unique_id: string; ms: number; worker: number }>>`
      select unique_id, (extract(epoch from processed_at) * 1000)::float8 as ms,
        (extract(epoch from processed_at - ingested_at) * 1000)::float8 as worker
      from pins where unique_id like ${`e2e-${id}-b-%`}`
    // a loop, not a spread: 8,000/s for the full length is more arguments than the call stack holds
    const lastDue = largest(full.dueAt.values())
    return {
      rate,
      window,
      ...(alone === undefined ? {} : { alone }),
      ...(aloneRss === undefined ? {} : { aloneRss }),
      full,
      fullRss,
      edgeToRow: sorted(rows.map((r) => r.worker)),
      latencies: sorted(
        rows.map((r) => r.ms - (full.dueAt.get(r.unique_id) ?? Number.NaN)).filter((x) => !Number.isNaN(x))
      ),
      lastRow: largest(rows.map((r) => r.ms)) - lastDue,
      edgePeak: ingest.memory().peakMb,
      workerPeak: worker.memory().peakMb
    }
  } finally {
    agent.destroy()
    await ingest.stop()
    await worker?.stop()
    await sql.end()
    await admin.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  }
}

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const rates = (process.env.BENCH_E2E_RATES ?? process.env.BENCH_E2E_RATE ?? "500,2000,8000").split(",").map(Number)
  const windows = (process.env.BENCH_E2E_WINDOWS ?? "0,200 millis").split(",").map((w) => w.trim())
  const seconds = quick ? 5 : 20
  const results: Array<Measured> = []
  for (const [r, rate] of rates.entries()) {
    // who goes first alternates between rates
    const order = r % 2 === 0 ? windows : [...windows].reverse()
    for (const [k, window] of order.entries()) results.push(await measure({ rate, window, first: k === 0 }, seconds))
  }
  const line = (measure: string, xs: ReadonlyArray<number>, phase?: Phase, rss = "", last?: number) => ({
    measure,
    events: xs.length,
    p50: fmt(percentile(xs, 50)),
    p99: fmt(percentile(xs, 99)),
    max: fmt(xs.at(-1) ?? Number.NaN),
    "last row": last === undefined ? "" : fmt(last),
    "sent late p99": phase === undefined ? "" : fmt(percentile(phase.lateness, 99)),
    "CPU bench/edge/worker/pg/kafka/other/idle": phase === undefined ? "" : cpuText(phase.cpu),
    "peak RSS edge / worker": rss
  })
  console.table(
    results.flatMap((m) => {
      const at = `${m.rate}/s`
      const w = windowLabel(m.window)
      return [
        ...(m.alone === undefined
          ? []
          : [line(`${at} edge alone: due → 200 (baseline)`, m.alone.roundTrips, m.alone, m.aloneRss)]),
        line(`${at} ${w}: due → 200`, m.full.roundTrips, m.full, m.fullRss),
        line(`${at} ${w}: edge ingested_at → row`, m.edgeToRow),
        line(`${at} ${w}: due → row in pins`, m.latencies, undefined, "", m.lastRow)
      ]
    })
  )
  for (const m of results) {
    const p99 = percentile(m.latencies, 99)
    const posted = m.rate * seconds
    const goal =
      m.rate === 2000
        ? ` [issue 14 goal < 50 ms at 2,000/s: ${p99 < 50 && m.latencies.length === posted ? "met" : "MISSED"}]`
        : ""
    console.log(
      `e2e ${m.rate}/s, ${windowLabel(m.window)}: ${m.latencies.length}/${posted} landed (${m.full.failed} posts failed), last row ${fmt(m.lastRow)} after the last POST was due; posted → row p50 ${fmt(percentile(m.latencies, 50))}, p99 ${fmt(p99)}${goal}; edge → row p99 ${fmt(percentile(m.edgeToRow, 99))}; POST p99 with the worker ${fmt(percentile(m.full.roundTrips, 99))}${m.alone === undefined ? "" : `, edge alone ${fmt(percentile(m.alone.roundTrips, 99))}`}; generator late p99 ${fmt(percentile(m.full.lateness, 99))}; peak RSS edge ${againstBudget(m.edgePeak, budgets.edge)}, worker ${againstBudget(m.workerPeak, budgets.worker)}`
    )
  }
}
