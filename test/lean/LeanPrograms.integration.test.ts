/**
 * Issue 11.2 against Kafka and PostgreSQL: `pinflow ingest` takes an event and `pinflow stream` writes it
 * as a row, and neither process ever loaded the GCS client or PGlite (the edge used to load both, ~100 and
 * ~10 modules, with every other program). kafkajs in both lists shows the record is real.
 */

import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { createTopics, kafkaOf } from "../../packages/stream/test/IntegrationSupport.ts"
import { answers } from "../signals/Launched.ts"
import { freePort } from "../support/freePort.ts"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { sampleLines } from "../support/sampleData.ts"
import { heavy, type Recorded, spawnRecorded, within } from "./LoadedModules.ts"

const sample = sampleLines()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `ready` until it holds; fails with the program's output if it exits first or after `timeoutMs`. */
const until = async (program: Recorded, ready: () => Promise<boolean>, what: string, timeoutMs = 90_000) => {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void program.exited.then(() => {
    exited = true
  })
  for (;;) {
    if (await ready()) return
    if (exited || Date.now() > deadline)
      throw new Error(`${what}: ${exited ? "exited" : "timed out"}\n${program.output().slice(-3000)}`)
    await sleep(200)
  }
}

describeIntegration("programs load only the backends they use", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("lean", "_")
  const topic = uniqueName("lean")
  let databaseUrl = ""
  const started: Array<Recorded> = []

  beforeAll(async () => {
    databaseUrl = await createSchema(env.databaseUrl, schema)
    await createTopics(kafkaOf(env.kafkaBrokers), [topic, `${topic}.rejected`], 1)
  })
  afterAll(async () => {
    for (const program of started) {
      program.child.kill("SIGKILL")
      program.cleanup()
    }
    await dropSchema(env.databaseUrl, schema)
  })

  it.skipIf("skip" in sample)(
    "pinflow ingest and pinflow stream carry an event to a row without loading the GCS client or PGlite",
    async () => {
      const line = "lines" in sample ? (sample.lines[0] ?? "") : ""
      const port = await freePort()
      const metricsPort = await freePort()
      // the GCS settings are set, as in a deployment's shared environment: still neither program may load GCS
      const common = { ...env.vars, PINS_TOPIC: topic, KAFKA_PARTITIONS: "1", LOG_FORMAT: "json" }
      const ingest = spawnRecorded(
        "packages/cli/src/bin.ts",
        ["ingest", "--port", String(port), "--host", "127.0.0.1"],
        common
      )
      started.push(ingest)
      const stream = spawnRecorded("packages/cli/src/bin.ts", ["stream", "--metrics-port", String(metricsPort)], {
        ...common,
        DATABASE_URL: databaseUrl,
        STREAM_GROUP: uniqueName("lean")
      })
      started.push(stream)
      await until(ingest, answers(`http://127.0.0.1:${port}/readyz`), "pinflow ingest ready")
      await until(
        stream,
        async () =>
          stream.output().includes("stream worker consuming") &&
          (await answers(`http://127.0.0.1:${metricsPort}/healthz`)()),
        "pinflow stream consuming"
      )

      const response = await fetch(`http://127.0.0.1:${port}/pin/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: line
      })
      expect(response.status, await response.text()).toBe(200)
      const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
      try {
        const id = (JSON.parse(line) as { unique_id: string }).unique_id
        await until(
          stream,
          async () => (await sql`select count(*)::int as n from pins where unique_id = ${id}`)[0]?.n === 1,
          "the event as a row"
        )
      } finally {
        await sql.end({ timeout: 5 })
      }

      ingest.child.kill("SIGTERM")
      stream.child.kill("SIGTERM")
      expect(await ingest.exited, ingest.output().slice(-3000)).toBe(0)
      expect(await stream.exited, stream.output().slice(-3000)).toBe(0)

      const lists = { ingest: ingest.modules(), stream: stream.modules() }
      const unused = (modules: ReadonlyArray<string>) =>
        [heavy.gcs, heavy.pglite, heavy.pgliteSocket, heavy.redis].flatMap((fragment) => within(modules, fragment))
      expect({ ingest: unused(lists.ingest), stream: unused(lists.stream) }).toEqual({ ingest: [], stream: [] })
      expect(within(lists.ingest, heavy.kafkajs).length).toBeGreaterThan(0)
      expect(within(lists.stream, heavy.kafkajs).length).toBeGreaterThan(0)
    },
    180_000
  )
})
