/**
 * `npm run bench -- ingest [--quick]`: the edge against the real broker (acks from all in-sync replicas),
 * load from autocannon at a ramp of offered rates and at saturation, beside the naive design measured
 * in the same run (one kafkajs `send` awaited per request, no batching, no key — what the original
 * FastAPI endpoint did), twice: on pinflow's own edge (so only the log differs) and on bare node:http. Each server runs in its own process; its peak RSS is read from /proc. After
 * each scenario the topic's end offsets are checked: every 2xx must be in Kafka.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { NodeRuntime } from "@effect/platform-node"
import { KafkaClient, LogLevelLayer, PinLog, PinLogUnavailable, PinsTopics, toMessages } from "@pinflow/adapters"
import { makePinGenerator } from "@pinflow/emulator"
import { IngestServer, NodeServerLayer } from "@pinflow/ingest/main"
import { Effect, Layer } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import { quietKafkaJsTimeoutWarning } from "../services/warnings.ts"
import type { BenchOptions } from "./bench.ts"

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
const here = fileURLToPath(import.meta.url)
const root = fileURLToPath(new URL("..", import.meta.url))

/**
 * The naive design on pinflow's own edge: the same HTTP server, validation and metrics, but a log that
 * awaits one kafkajs `send` per request (acks -1, no key, no batching). The difference to pinflow is
 * the batching alone.
 */
const naiveEdge = () => {
  const naiveLog = Layer.effect(
    PinLog,
    Effect.gen(function* () {
      const client = yield* KafkaClient
      const topics = yield* PinsTopics
      const producer = yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const p = client.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
          await p.connect()
          return p
        }),
        (p) => Effect.promise(() => p.disconnect())
      )
      return PinLog.of({
        write: (records) =>
          Effect.tryPromise({
            try: () =>
              producer.send({
                topic: topics.pins,
                acks: -1,
                messages: toMessages(topics, records).map((m) => ({ value: m.value }))
              }),
            catch: () => new PinLogUnavailable({ reason: "failed", message: "send failed" })
          }).pipe(Effect.asVoid),
        ready: Effect.succeed(true),
        depth: Effect.succeed({ events: 0, bytes: 0 })
      })
    })
  )
  NodeRuntime.runMain(
    Layer.launch(
      IngestServer.pipe(
        Layer.provide(NodeServerLayer),
        Layer.provide(naiveLog),
        Layer.provide(KafkaClient.layerConfig({ clientId: "bench-naive-edge" })),
        Layer.provide(LogLevelLayer)
      )
    )
  )
}

/** The naive design on bare node:http (cheaper HTTP than any framework): one awaited send per request. */
const naiveServer = async (port: number, topic: string) => {
  const kafka = new Kafka({ clientId: "bench-naive", brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  createServer((req, res) => {
    if (req.method !== "POST") return void res.end("ok")
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      let event: Record<string, unknown>
      try {
        event = JSON.parse(Buffer.concat(chunks).toString())
      } catch {
        res.statusCode = 400
        return void res.end()
      }
      producer
        .send({ topic, acks: -1, messages: [{ value: JSON.stringify(event) }] })
        .then(() => res.end('{"status":"accepted"}'))
        .catch(() => {
          res.statusCode = 503
          res.end()
        })
    })
  }).listen(port, "127.0.0.1")
}

interface Server {
  readonly url: string
  readonly topic: string
  readonly peakRssMb: () => number
  readonly stop: () => Promise<void>
}

type Kind = "pinflow" | "naive" | "naive-edge"

const startServer = async (kind: Kind, port: number): Promise<Server> => {
  const topic = `bench-ingest-${kind}-${Date.now().toString(36)}`
  const admin = new Kafka({ clientId: "bench-admin", brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] })
  await admin.disconnect()
  const args =
    kind === "pinflow"
      ? [`${root}packages/ingest/src/main.ts`]
      : kind === "naive-edge"
        ? [here, "naive-edge"]
        : [here, "naive-server", String(port), topic]
  // BENCH_INGEST_CPU_PROF=<dir>: a V8 CPU profile of pinflow's edge process (written when it exits)
  const profile = kind === "pinflow" && process.env.BENCH_INGEST_CPU_PROF
  const nodeArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PINS_TOPIC: topic, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"]
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}${kind === "naive" ? "/" : "/readyz"}`).then(
      (r) => r.ok,
      () => false
    )
    if (ok) break
    if (child.exitCode !== null || i === 199) throw new Error(`${kind} server on port ${port} did not become ready`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    topic,
    peakRssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    },
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
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
}

const load = async (
  server: Server,
  scenario: string,
  path: string,
  bodies: ReadonlyArray<string>,
  eventsPerRequest: number,
  seconds: number,
  rate: number | undefined
): Promise<Row & { readonly ok: number }> => {
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
    ok: result["2xx"] * eventsPerRequest
  }
}

const formatRow = (r: Row) =>
  [
    r.scenario.padEnd(22),
    r.offered.padStart(12),
    r.eventsPerSecond.toFixed(0).padStart(10),
    r.p50.toFixed(1).padStart(8),
    r.p99.toFixed(1).padStart(8),
    String(r.failed).padStart(8),
    r.rssMb.toFixed(0).padStart(9)
  ].join("  ")

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const seconds = quick ? 3 : 10
  const ramp = quick ? [500, 2_000] : [500, 1_000, 2_000, 4_000]
  const rows: Array<Row> = []
  let durable = true
  const print = (row: Row) => {
    rows.push(row)
    process.stdout.write(`${formatRow(row)}\n`)
  }
  process.stdout.write(
    `ingest bench: Kafka ${brokers.join(",")}, acks=all, ${seconds} s per step${quick ? " (quick)" : ""}\n` +
      `${["scenario".padEnd(22), "offered".padStart(12), "events/s".padStart(10), "p50 ms".padStart(8), "p99 ms".padStart(8), "failed".padStart(8), "peak RSS".padStart(9)].join("  ")}\n`
  )

  const scenario = async (kind: Kind, name: string, path: string, steps: ReadonlyArray<number | undefined>) => {
    const server = await startServer(kind, kind === "pinflow" ? 18_100 : 18_101)
    const bodies = path === "/pins" ? batches : singles
    const perRequest = path === "/pins" ? 500 : 1
    let acknowledged = 0
    await load(server, name, path, bodies, perRequest, 1, undefined) // warm-up, not reported
    const results: Array<Row> = []
    for (const rate of steps) {
      const row = await load(server, name, path, bodies, perRequest, seconds, rate)
      acknowledged += row.ok
      results.push(row)
      print(row)
    }
    await server.stop()
    const inTopic = await topicSize(server.topic)
    // The warm-up's events are in the topic too, so the topic may hold more than the measured 2xx.
    if (inTopic < acknowledged) {
      durable = false
      process.stdout.write(`  !! ${name}: ${acknowledged} acknowledged but only ${inTopic} in ${server.topic}\n`)
    }
    return results
  }

  // BENCH_INGEST_ONLY=pins: only the /pins saturation scenario, to iterate on the batch path (not for publishing)
  if (process.env.BENCH_INGEST_ONLY === "pins") {
    const many = await scenario("pinflow", "pinflow /pins (500/req)", "/pins", [undefined])
    process.stdout.write(
      `ingest (pins only): /pins ${(many.at(-1)?.eventsPerSecond ?? 0).toFixed(0)} ev/s [target ≥50000]; ` +
        `durable: ${durable ? "every 2xx in Kafka" : "MISSING EVENTS"}\n`
    )
    return
  }
  const bare = await scenario("naive", "naive bare node:http", "/pin/", quick ? [undefined] : [2_000, undefined])
  const naive = await scenario("naive-edge", "naive log, same edge", "/pin/", quick ? [undefined] : [2_000, undefined])
  const single = await scenario("pinflow", "pinflow /pin/", "/pin/", [...ramp, undefined])
  const many = await scenario("pinflow", "pinflow /pins (500/req)", "/pins", [undefined])

  const naiveSat = naive.at(-1)?.eventsPerSecond ?? 0
  const bareSat = bare.at(-1)?.eventsPerSecond ?? 0
  const singleSat = single.at(-1)?.eventsPerSecond ?? 0
  const at2000 = single.find((r) => r.offered === "2000 req/s")
  const batchSat = many.at(-1)?.eventsPerSecond ?? 0
  const ratio = naiveSat > 0 ? singleSat / naiveSat : Number.NaN
  process.stdout.write(
    `ingest: /pin/ ${singleSat.toFixed(0)} ev/s at saturation = ${ratio.toFixed(1)}× the naive log on the same edge (${naiveSat.toFixed(0)} ev/s), ` +
      `${(singleSat / Math.max(bareSat, 1)).toFixed(1)}× naive bare node:http (${bareSat.toFixed(0)} ev/s) [target ≥5×]; ` +
      `p99 at 2000 req/s ${at2000?.p99.toFixed(1) ?? "-"} ms [target <25]; /pins ${batchSat.toFixed(0)} ev/s [target ≥50000]; ` +
      `durable: ${durable ? "every 2xx in Kafka" : "MISSING EVENTS"}\n`
  )
}

quietKafkaJsTimeoutWarning()
if (import.meta.main && process.argv[2] === "naive-server") {
  await naiveServer(Number(process.argv[3]), process.argv[4] as string)
}
if (import.meta.main && process.argv[2] === "naive-edge") naiveEdge()
