/**
 * `npm run pinflow -- stream` and `npx pinflow ingest` against Kafka and PostgreSQL, as a process manager
 * (or `timeout`) runs them: a signal to the pid that was started stops the program gracefully, npm exits
 * 0 and no process of the tree is left.
 */
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { createTopics, kafkaOf } from "../../packages/stream/test/IntegrationSupport.ts"
import { freePort } from "../support/freePort.ts"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { repoRoot } from "../support/sampleData.ts"
import { expectGracefulStop } from "./GracefulStop.ts"
import { answers, hasProc, launch, scriptCommand } from "./Launched.ts"

const signals = ["SIGTERM", "SIGINT"] as const

describeIntegration("signals to npm run pinflow and npx pinflow", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("signals", "_")
  const topic = uniqueName("signals")
  let databaseUrl = ""

  beforeAll(async () => {
    databaseUrl = await createSchema(env.databaseUrl, schema)
    await createTopics(kafkaOf(env.kafkaBrokers), [topic, `${topic}.rejected`], 1)
  })
  afterAll(async () => {
    await dropSchema(env.databaseUrl, schema)
  })

  for (const signal of signals) {
    it.skipIf(!hasProc)(
      `npm run pinflow -- stream: ${signal} to npm's pid stops it, npm exits 0`,
      async () => {
        const metricsPort = await freePort()
        const launched = launch("npm", ["run", "pinflow", "--", "stream"], {
          KAFKA_BROKERS: env.kafkaBrokers.join(","),
          DATABASE_URL: databaseUrl,
          PINS_TOPIC: topic,
          STREAM_GROUP: uniqueName("signals"),
          METRICS_PORT: String(metricsPort)
        })
        const output = await expectGracefulStop(launched, {
          // the metrics server answers before the worker consumes: wait for both
          ready: async () =>
            launched.output().includes("stream worker consuming") &&
            (await answers(`http://127.0.0.1:${metricsPort}/healthz`)()),
          command: `${scriptCommand("pinflow")} stream`,
          signal
        })
        expect(output).toContain("stream worker stopped")
      },
      180_000
    )
  }

  for (const signal of signals) {
    it.skipIf(!hasProc)(
      `npx pinflow ingest: ${signal} to npx's pid stops it, npx exits 0`,
      async () => {
        const port = await freePort()
        const args = ["ingest", "--port", String(port), "--host", "127.0.0.1"]
        const launched = launch("npx", ["pinflow", ...args], {
          KAFKA_BROKERS: env.kafkaBrokers.join(","),
          PINS_TOPIC: topic,
          KAFKA_PARTITIONS: "1"
        })
        await expectGracefulStop(launched, {
          ready: answers(`http://127.0.0.1:${port}/readyz`),
          command: ["node", join(repoRoot, "node_modules/.bin/pinflow"), ...args].join(" "),
          signal
        })
      },
      180_000
    )
  }
})
