/**
 * Poison class, heap: a backlog of large records (~800 KiB each, under INGEST_MAX_MESSAGE_BYTES) drained by the
 * bundled worker launched as production runs it (128 MB old space). Batches and read-ahead bounded by count
 * only held up to 4 × 1000 such records (gigabytes): the worker died of heap exhaustion on every restart.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { Partitioners } from "kafkajs"
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { repoRoot } from "../../../test/support/sampleData.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import { event } from "./Fixtures.ts"
import { counts, createTopics, kafkaOf, waitFor } from "./IntegrationSupport.ts"

const launchFlags = ["--max-semi-space-size=4", "--max-old-space-size=128"]
const pins = 400
// a valid pin is at most 65,536 code points a field (design.md "Cleaning"): its text grows to ~760 KiB of
// record text as JSON escapes, six characters each, in the title and the description
const escaped = "\\u00e9".repeat(65_000)
const largePin = (id: string) =>
  event(id, { title: "@title@", description: "@description@" })
    .replace("@title@", escaped)
    .replace("@description@", escaped)

describeIntegration("the worker over a backlog of large records", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("large", "_")
  const topic = uniqueName("large")
  let databaseUrl = ""
  let worker: ChildProcess | undefined

  beforeAll(async () => {
    // the bundle the production commands run; a stale dist/ must not pass for this checkout's code
    execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: "pipe" })
    databaseUrl = await createSchema(env.databaseUrl, schema)
    await createTopics(kafkaOf(env.kafkaBrokers), [topic, `${topic}.rejected`], 1)
  }, 60_000)

  const produceBacklog = async () => {
    const producer = kafkaOf(env.kafkaBrokers).producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      // one message a request: a record batch must stay under the broker's message.max.bytes
      for (let i = 0; i < pins; i += 8)
        await Promise.all(
          Array.from({ length: Math.min(8, pins - i) }, () =>
            producer.send({ topic, messages: [{ key: null, value: largePin(randomUUID()) }] })
          )
        )
    } finally {
      await producer.disconnect()
    }
  }
  afterAll(async () => {
    worker?.kill("SIGKILL")
    await dropSchema(env.databaseUrl, schema)
  })

  it(`drains ${pins} pins of ~760 KiB each: every one a row, never exiting, peak RSS under 250 MB`, async () => {
    const child = spawn(process.execPath, [...launchFlags, "dist/pinflow.mjs", "stream", "--metrics-port", "0"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...env.vars,
        LOG_FORMAT: "json",
        DATABASE_URL: databaseUrl,
        PINS_TOPIC: topic,
        STREAM_GROUP: uniqueName("large")
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    worker = child
    let output = ""
    child.stdout?.on("data", (chunk) => {
      output = (output + String(chunk)).slice(-20_000)
    })
    child.stderr?.on("data", (chunk) => {
      output = (output + String(chunk)).slice(-20_000)
    })
    let exit: number | string | null | undefined
    child.once("exit", (code, signal) => {
      exit = code ?? signal
    })
    const peakMb = () =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024

    const sql = postgres(databaseUrl, { max: 2, onnotice: () => undefined })
    try {
      await waitFor(
        "the worker consuming",
        async () => output.includes("stream worker consuming"),
        30_000,
        () => output
      )
      // the backlog builds up while the database is slow: the pins table is locked until every record was
      // produced and the worker's first write waits on the lock, so whatever the worker reads meanwhile is
      // held in its read-ahead (what a restart over a backlog does when reading outpaces writing)
      const locker = await sql.reserve()
      await locker`begin`
      await locker`lock table pins in access exclusive mode`
      try {
        await produceBacklog()
        await waitFor(
          "the worker's write waiting on the lock",
          async () => {
            if (exit !== undefined) throw new Error(`worker exited: ${exit}`)
            const [row] = await sql<Array<{ waiting: number }>>`
              select count(*)::int as waiting from pg_locks where not granted and relation = 'pins'::regclass`
            return (row?.waiting ?? 0) > 0
          },
          30_000,
          () => `exit ${String(exit)}\n${output}`
        )
      } finally {
        await locker`commit`
        locker.release()
      }
      await waitFor(
        "every large pin as a row",
        async () => {
          if (exit !== undefined) throw new Error(`worker exited: ${exit}`)
          const { pins: landed, rejects } = await counts(sql)
          return landed + rejects >= pins
        },
        50_000,
        () => `exit ${String(exit)}\n${output}`
      )
      expect(exit, output).toBeUndefined()
      expect(await counts(sql)).toEqual({ pins, rejects: 0 })
      const peak = peakMb()
      expect(peak, `peak ${peak.toFixed(0)} MB\n${output.slice(-2000)}`).toBeLessThan(250)
    } finally {
      await sql.end({ timeout: 5 })
    }
  }, 60_000)
})
