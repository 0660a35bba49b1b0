/**
 * Helpers of the stream integration tests: topics and events in the real Kafka, row counts in a fresh
 * Postgres schema, and the worker run in-process or as a child process (`node packages/stream/src/main.ts`).
 */
import { Kafka, logLevel, Partitioners } from "kafkajs"
import type postgres from "postgres"
import { freePort } from "../../../test/support/freePort.ts"
import { type Program, spawnProgram } from "../../../test/support/spawnProgram.ts"

export const kafkaOf = (brokers: ReadonlyArray<string>) =>
  new Kafka({ clientId: "pinflow-stream-test", brokers: [...brokers], logLevel: logLevel.NOTHING })

export const createTopics = async (kafka: Kafka, topics: ReadonlyArray<string>, partitions: number) => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 }))
    })
  } finally {
    await admin.disconnect()
  }
}

/** Produces keyed messages in chunks (idempotent producer, acks from all replicas). */
export const produce = async (
  kafka: Kafka,
  topic: string,
  messages: ReadonlyArray<{ readonly key: string | null; readonly value: string }>
) => {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    for (let i = 0; i < messages.length; i += 5000)
      await producer.send({ topic, messages: messages.slice(i, i + 5000).map((m) => ({ ...m })) })
  } finally {
    await producer.disconnect()
  }
}

/** The group's committed offsets summed over the topic's partitions, and the topic's end offsets summed. */
export const groupProgress = async (kafka: Kafka, group: string, topic: string) => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const ends = await admin.fetchTopicOffsets(topic)
    const sum = (xs: ReadonlyArray<string>) => xs.reduce((a, x) => a + Math.max(0, Number(x)), 0)
    return { committed: sum((committed?.partitions ?? []).map((p) => p.offset)), end: sum(ends.map((p) => p.high)) }
  } finally {
    await admin.disconnect()
  }
}

/** A sample line as the edge appends it: without `poster_name`, stamped `ingested_at`. */
export const stamped = (line: string, ingestedAt: string): string => {
  const { poster_name: _dropped, ...event } = JSON.parse(line) as Record<string, unknown>
  return JSON.stringify({ ...event, ingested_at: ingestedAt })
}

export const counts = async (sql: postgres.Sql) => {
  const [row] = await sql<Array<{ pins: number; rejects: number }>>`
    select (select count(*)::int from pins) as pins, (select count(*)::int from pin_rejects) as rejects`
  return row ?? { pins: 0, rejects: 0 }
}

/** Polls `check`; on time-out fails with `context()` (e.g. a worker's output) so the failure can be read. */
export const waitFor = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  context: () => string = () => ""
) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    // e.g. the tables do not exist until the worker has migrated
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 200))
  }
  const detail = context()
  throw new Error(`timed out waiting for ${what}${detail === "" ? "" : `:\n${detail.slice(-4000)}`}`)
}

export type Worker = Program

/** `node packages/stream/src/main.ts` with these variables on top of the environment. */
export const spawnWorker = (vars: Record<string, string>): Worker =>
  spawnProgram("packages/stream/src/main.ts", [], { ...process.env, METRICS_PORT: "0", LOG_LEVEL: "Info", ...vars })

/** The variables of a scenario on its own three type topics (3 partitions) and database. */
export const typeTopicVars = (topic: string, brokers: ReadonlyArray<string>, databaseUrl: string) => ({
  KAFKA_BROKERS: brokers.join(","),
  DATABASE_URL: databaseUrl,
  PINS_TOPIC: `${topic}-pins`,
  GEOS_TOPIC: `${topic}-geos`,
  USERS_TOPIC: `${topic}-users`,
  KAFKA_PARTITIONS: "3",
  LOG_LEVEL: "Warning"
})

/**
 * `node packages/ingest/src/main.ts` on a free port with these variables, once its `/readyz` answers;
 * added to `programs` at once, so the test's clean-up stops it even when it never gets ready.
 */
export const spawnReadyEdge = async (vars: Record<string, string>, programs: Array<Program>): Promise<string> => {
  const port = await freePort()
  const edge = spawnProgram("packages/ingest/src/main.ts", [], {
    ...process.env,
    ...vars,
    PORT: String(port),
    HOST: "127.0.0.1"
  })
  programs.push(edge)
  const base = `http://127.0.0.1:${port}`
  await waitFor(
    "the edge ready",
    async () => (await fetch(`${base}/readyz`)).ok,
    60_000,
    () => edge.output()
  )
  return base
}

/** The worker's metrics server, at the address its "metrics server listening" log line gave. */
const metricsServer = (worker: Worker): string => {
  const match = /"metrics":"http:\/\/[^:"]+:(\d+)\/metrics"/.exec(worker.output())
  if (match === null) throw new Error(`no metrics address in the worker's output:\n${worker.output().slice(-2000)}`)
  return `http://127.0.0.1:${match[1]}`
}

/** The worker's `/metrics` text. */
export const metricsOf = async (worker: Worker): Promise<string> =>
  (await fetch(`${metricsServer(worker)}/metrics`)).text()

/** The worker's `/healthz` answer. */
export const healthOf = async (worker: Worker): Promise<{ readonly status: number; readonly body: string }> => {
  const response = await fetch(`${metricsServer(worker)}/healthz`)
  return { status: response.status, body: await response.text() }
}

export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** The samples of metric `name` in a Prometheus text (`name{a="1",b="2"} 3`), labels parsed. */
export const metricSamples = (text: string, name: string): ReadonlyArray<MetricSample> =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .map((line) => {
      const labels: Record<string, string> = {}
      const braces = /^[^{ ]+\{(.*)\} /.exec(line)
      for (const m of (braces?.[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)) labels[m[1] as string] = m[2] as string
      return { labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) }
    })

/** The one sample of `name` without labels or with exactly `labels`; NaN when absent. */
export const metricValue = (text: string, name: string, labels: Record<string, string> = {}): number =>
  metricSamples(text, name).find(
    (s) =>
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value ?? Number.NaN

/** The partitions of the last "partitions assigned" line of a worker's output ("topic/0,topic/2"). */
export const lastAssignment = (worker: Worker): ReadonlyArray<string> => {
  const lines = worker
    .output()
    .split("\n")
    .filter((l) => l.includes('"partitions assigned"'))
  const last = lines.at(-1)
  if (last === undefined) return []
  const partitions = (JSON.parse(last) as { annotations?: { partitions?: string } }).annotations?.partitions ?? ""
  return partitions === "" ? [] : partitions.split(",")
}
