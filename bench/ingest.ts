/**
 * `npm run bench -- ingest [--quick]`: the edge (`node packages/cli/src/bin.ts ingest`, its own process)
 * against the real broker (acks from all in-sync replicas), load from autocannon at a ramp of offered
 * rates and at saturation, with issue 14's two baselines measured in the same run by the same load
 * generator: the bare-runtime ceiling (node:http + JSON.parse → 200, no Kafka) and the original design's
 * endpoint (bench/original: FastAPI + Pydantic + kafka-python, one send + flush per request, uvicorn; its
 * virtual environment bench/.venv is created from PyPI when missing). Every row carries the server
 * process's peak RSS (/proc VmHWM) and pinflow's rows issue 11's edge budget. After each scenario with
 * Kafka the topic's end offsets are checked: every 2xx must be in Kafka.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { makePinGenerator } from "@pinflow/emulator"
import { Kafka, logLevel } from "kafkajs"
import { quietKafkaJsTimeoutWarning } from "../services/warnings.ts"
import type { BenchOptions } from "./bench.ts"
import {
  againstBudget,
  answers,
  budgets,
  type Program,
  root,
  spawnCommand,
  spawnPinflow,
  spawnScript,
  waitUntil
} from "./process.ts"

interface AutocannonResult {
  readonly duration: number
  readonly latency: { readonly p50: number; readonly p99: number }
  readonly "2xx": number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
}
interface AutocannonRequest {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly setupRequest: (req: Record<string, unknown>) => Record<string, unknown>
}
type Autocannon = (options: {
  readonly url: string
  readonly connections: number
  readonly duration: number
  readonly overallRate?: number
  readonly pipelining: number
  readonly requests: ReadonlyArray<AutocannonRequest>
}) => Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",").map((b) => b.trim())

const venv = `${root}bench/.venv`

/** bench/.venv with the original's requirements, created from PyPI when missing; false if that failed. */
const ensureVenv = (): boolean => {
  if (existsSync(`${venv}/bin/uvicorn`) && existsSync(`${venv}/.requirements-installed`)) return true
  process.stdout.write("  creating bench/.venv for the original endpoint (pip, PyPI)…\n")
  try {
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" })
    execFileSync(`${venv}/bin/pip`, ["install", "-q", "-r", `${root}bench/original/requirements.txt`], {
      stdio: "inherit"
    })
    execFileSync("touch", [`${venv}/.requirements-installed`])
    return true
  } catch (error) {
    process.stdout.write(`  !! cannot create bench/.venv: ${String(error)}\n`)
    return false
  }
}

interface Server {
  readonly url: string
  readonly topic: string | undefined
  readonly peakRssMb: () => number
  /** CPU seconds (user + system) the server process has used so far. */
  readonly cpuSeconds: () => number
  readonly stop: () => Promise<void>
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (clock ticks are 100 per second on Linux). */
const cpuSecondsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // the fields after the command name (which may hold spaces) start at the last ')'
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

type Kind = "pinflow" | "bare" | "original"

const startServer = async (kind: Kind, port: number): Promise<Server> => {
  const topic = kind === "bare" ? undefined : `bench-ingest-${kind}-${Date.now().toString(36)}`
  if (topic !== undefined) {
    const admin = new Kafka({ clientId: "bench-admin", brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] })
    await admin.disconnect()
  }
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    PINS_TOPIC: topic ?? "",
    LOG_LEVEL: "warn",
    KAFKA_BROKERS: brokers.join(",")
  }
  // BENCH_INGEST_CPU_PROF=<dir>: a V8 CPU profile of pinflow's edge process (written when it exits)
  const profile = process.env.BENCH_INGEST_CPU_PROF
  const program: Program =
    kind === "pinflow"
      ? spawnPinflow(["ingest"], {
          env,
          stdio: "inherit",
          nodeArgs: profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []
        })
      : kind === "bare"
        ? spawnScript(`${root}bench/baseline/bare.ts`, [String(port)], { env, stdio: "inherit" })
        : spawnCommand(
            `${venv}/bin/uvicorn`,
            [
              "app:app",
              "--app-dir",
              `${root}bench/original`,
              "--host",
              "127.0.0.1",
              "--port",
              String(port),
              "--log-level",
              "warning",
              "--no-access-log"
            ],
            { env, stdio: "inherit" }
          )
  const url = `http://127.0.0.1:${port}`
  await waitUntil(`${kind} server on port ${port} ready`, answers(`${url}${kind === "pinflow" ? "/readyz" : "/"}`), {
    program,
    timeoutMs: 60_000
  })
  return {
    url,
    topic,
    peakRssMb: () => program.memory().peakMb,
    cpuSeconds: () => cpuSecondsOf(program.pid),
    stop: async () => {
      await program.stop()
    }
  }
}

const topicSize = async (topic: string): Promise<number> => {
  const admin = new Kafka({ clientId: "bench-admin", brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  return offsets.reduce((n, o) => n + Number(o.high), 0)
}

const generate = makePinGenerator({ seed: 42 })
const singles = Array.from({ length: 2_000 }, () => JSON.stringify(generate()))
const batches = Array.from({ length: 20 }, () =>
  Array.from({ length: 500 }, () => JSON.stringify(generate())).join("\n")
)

const requestsFor = (path: string, bodies: ReadonlyArray<string>): ReadonlyArray<AutocannonRequest> => {
  let i = 0
  return [
    {
      method: "POST",
      path,
      headers: { "content-type": path === "/pins" ? "application/x-ndjson" : "application/json" },
      setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] })
    }
  ]
}

interface Row {
  readonly scenario: string
  readonly offered: string
  readonly eventsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly failed: number
  readonly rssMb: number
  /** The server's CPU time per 2xx request in this step, in microseconds. */
  readonly cpuUsPerRequest: number
  /** The budget this row's process is held to (issue 11), if any. */
  readonly budgetMb: number | undefined
}

const load = async (
  server: Server,
  scenario: string,
  path: string,
  bodies: ReadonlyArray<string>,
  eventsPerRequest: number,
  seconds: number,
  rate: number | undefined,
  budgetMb: number | undefined
): Promise<Row & { readonly ok: number }> => {
  const cpuBefore = server.cpuSeconds()
  const result = await autocannon({
    url: server.url,
    // /pins requests carry 500 events each: 16 connections already keep 8,000 events in flight.
    connections: path === "/pins" ? 16 : rate === undefined ? 64 : 32,
    duration: seconds,
    pipelining: 1,
    requests: requestsFor(path, bodies),
    ...(rate === undefined ? {} : { overallRate: rate })
  })
  return {
    scenario,
    offered: rate === undefined ? "saturation" : `${rate} req/s`,
    eventsPerSecond: (result["2xx"] * eventsPerRequest) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    rssMb: server.peakRssMb(),
    cpuUsPerRequest: ((server.cpuSeconds() - cpuBefore) * 1e6) / Math.max(result["2xx"], 1),
    budgetMb,
    ok: result["2xx"] * eventsPerRequest
  }
}

const columns = [
  ["scenario", -30],
  ["offered", 12],
  ["events/s", 10],
  ["p50 ms", 8],
  ["p99 ms", 8],
  ["failed", 7],
  ["peak RSS", 9],
  ["CPU µs/req", 10],
  ["edge budget", 18]
] as const

const line = (cells: ReadonlyArray<string>) =>
  cells
    .map((c, i) => {
      const width = columns[i]?.[1] ?? 0
      return width < 0 ? c.padEnd(-width) : c.padStart(width)
    })
    .join("  ")

const formatRow = (r: Row) =>
  line([
    r.scenario,
    r.offered,
    r.eventsPerSecond.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.failed),
    `${r.rssMb.toFixed(0)} MB`,
    r.cpuUsPerRequest.toFixed(0),
    r.budgetMb === undefined ? "" : againstBudget(r.rssMb, r.budgetMb)
  ])

const pct = (x: number) => `${(100 * x).toFixed(0)}%`

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const seconds = quick ? 3 : 10
  const ramp = quick ? [500, 2_000] : [500, 1_000, 2_000, 4_000]
  let durable = true
  const print = (row: Row) => process.stdout.write(`${formatRow(row)}\n`)
  process.stdout.write(
    `ingest bench: Kafka ${brokers.join(",")}, acks=all, ${seconds} s per step${quick ? " (quick)" : ""}; peak RSS = VmHWM of the server's own process\n` +
      `${line(columns.map(([name]) => name))}\n`
  )

  let port = 18_100
  const scenario = async (kind: Kind, name: string, path: string, steps: ReadonlyArray<number | undefined>) => {
    // a fresh port per server: a previous one may still be in TIME_WAIT or shutting down
    const server = await startServer(kind, port++)
    const bodies = path === "/pins" ? batches : singles
    const perRequest = path === "/pins" ? 500 : 1
    const budget = kind === "pinflow" ? budgets.edge : undefined
    let acknowledged = 0
    await load(server, name, path, bodies, perRequest, 1, undefined, budget) // warm-up, not reported
    const results: Array<Row> = []
    for (const rate of steps) {
      const row = await load(server, name, path, bodies, perRequest, seconds, rate, budget)
      acknowledged += row.ok
      results.push(row)
      print(row)
    }
    await server.stop()
    if (server.topic !== undefined) {
      const inTopic = await topicSize(server.topic)
      // The warm-up's events are in the topic too, so the topic may hold more than the measured 2xx.
      if (inTopic < acknowledged) {
        durable = false
        process.stdout.write(`  !! ${name}: ${acknowledged} acknowledged but only ${inTopic} in ${server.topic}\n`)
      }
    }
    return results
  }

  // BENCH_INGEST_ONLY=pins: only the /pins saturation scenario, to iterate on the batch path (not for publishing)
  if (process.env.BENCH_INGEST_ONLY === "pins") {
    const many = await scenario("pinflow", "pinflow /pins (500/req)", "/pins", [undefined])
    process.stdout.write(
      `ingest (pins only): /pins ${(many.at(-1)?.eventsPerSecond ?? 0).toFixed(0)} ev/s [goal ≥ 150000], peak RSS ${againstBudget(many.at(-1)?.rssMb ?? 0, budgets.edge)}; ` +
        `durable: ${durable ? "every 2xx in Kafka" : "MISSING EVENTS"}\n`
    )
    return
  }
  // BENCH_INGEST_ONLY=pin: the bare ceiling and pinflow's /pin/ at saturation, alternately (BENCH_INGEST_ROUNDS,
  // default 2), each round's share and CPU per request against the bare server's (not for publishing)
  if (process.env.BENCH_INGEST_ONLY === "pin") {
    const rounds = Number(process.env.BENCH_INGEST_ROUNDS ?? 2)
    for (let round = 1; round <= rounds; round++) {
      const [b] = await scenario("bare", "ceiling: node:http, no Kafka", "/pin/", [undefined])
      const [p] = await scenario("pinflow", "pinflow /pin/", "/pin/", [undefined])
      if (b === undefined || p === undefined) continue
      process.stdout.write(
        `round ${round}: /pin/ ${pct(p.eventsPerSecond / Math.max(b.eventsPerSecond, 1))} of bare [goal ≥ 50%], ` +
          `CPU per request ${(p.cpuUsPerRequest / Math.max(b.cpuUsPerRequest, 1)).toFixed(2)}× bare's; durable: ${durable ? "every 2xx in Kafka" : "MISSING EVENTS"}\n`
      )
    }
    return
  }
  const bare = await scenario("bare", "ceiling: node:http, no Kafka", "/pin/", [undefined])
  const original = ensureVenv()
    ? await scenario("original", "original: FastAPI+kafka-python", "/pin/", [undefined])
    : []
  const single = await scenario("pinflow", "pinflow /pin/", "/pin/", [...ramp, undefined])
  const many = await scenario("pinflow", "pinflow /pins (500/req)", "/pins", [undefined])

  const bareSat = bare.at(-1)?.eventsPerSecond ?? 0
  const originalSat = original.at(-1)?.eventsPerSecond
  const singleSat = single.at(-1)?.eventsPerSecond ?? 0
  const singleRss = single.at(-1)?.rssMb ?? 0
  const at2000 = single.find((r) => r.offered === "2000 req/s")
  const batchSat = many.at(-1)?.eventsPerSecond ?? 0
  const batchRss = many.at(-1)?.rssMb ?? 0
  const share = singleSat / Math.max(bareSat, 1)
  const multiple = originalSat === undefined ? undefined : singleSat / Math.max(originalSat, 1)
  const met = (ok: boolean) => (ok ? "met" : "MISSED")
  process.stdout.write(
    `ingest: /pin/ ${singleSat.toFixed(0)} req/s at saturation = ${pct(share)} of the bare node:http ceiling (${bareSat.toFixed(0)} req/s) [goal ≥ 50%: ${met(share >= 0.5)}], ` +
      (multiple === undefined || originalSat === undefined
        ? "original endpoint not measured (no bench/.venv) [goal ≥ 20×: MISSED]; "
        : `${multiple.toFixed(1)}× the original FastAPI + kafka-python endpoint (${originalSat.toFixed(0)} req/s) [goal ≥ 20×: ${met(multiple >= 20)}]; `) +
      `p99 at 2000 req/s ${at2000?.p99.toFixed(1) ?? "-"} ms; /pins ${batchSat.toFixed(0)} events/s [goal ≥ 150000: ${met(batchSat >= 150_000)}]; ` +
      `edge peak RSS /pin/ ${againstBudget(singleRss, budgets.edge)}, /pins ${againstBudget(batchRss, budgets.edge)}; ` +
      `durable: ${durable ? "every 2xx in Kafka" : "MISSING EVENTS"}${quick ? " (quick: not for publishing)" : ""}\n`
  )
}

quietKafkaJsTimeoutWarning()
