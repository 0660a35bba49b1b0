/**
 * Startup failures against the real services, each one line naming the setting, the value and the fix,
 * exit 1, no stack trace: `batch run` with no broker at KAFKA_BROKERS (the hint of ingest and stream) or a
 * missing bucket (found before Kafka is read), `stream` with its METRICS_PORT in use; and the hint of a plain
 * `batch run` that finds no events of yesterday.
 */
import { createServer, type Server } from "node:net"
import { Kafka, logLevel } from "kafkajs"
import { afterAll, assert, beforeAll, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { freePort } from "../support/freePort.ts"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { baseEnv, errorMessages, jsonRecords, runCli, stackFrame } from "./Cli.ts"

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

describeIntegration("startup errors against the services", ["kafka", "postgres", "gcs"], (env) => {
  const schema = uniqueName("errors", "_")
  const bucket = uniqueName("errors")
  const topic = uniqueName("pins-errors")
  let vars: Record<string, string | undefined> = {}
  let held: Server | undefined

  beforeAll(async () => {
    const url = await createSchema(env.databaseUrl, schema)
    const res = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket })
    })
    assert.isTrue(res.ok, `create bucket ${bucket}: HTTP ${res.status}`)
    const admin = new Kafka({
      clientId: "errors-test",
      brokers: [...env.kafkaBrokers],
      logLevel: logLevel.NOTHING
    }).admin()
    await admin.connect()
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
    await admin.disconnect()
    vars = baseEnv({
      KAFKA_BROKERS: env.kafkaBrokers.join(","),
      DATABASE_URL: url,
      GCS_ENDPOINT: env.gcsEndpoint,
      GCS_BUCKET: bucket,
      PINS_TOPIC: topic,
      BATCH_GROUP: uniqueName("archive"),
      STREAM_GROUP: uniqueName("stream"),
      OBJECT_STORE_DIR: undefined
    })
  })

  afterAll(async () => {
    held?.close()
    await dropSchema(env.databaseUrl, schema)
    await fetch(`${env.gcsEndpoint}/storage/v1/b/${bucket}`, { method: "DELETE" })
  })

  it("batch run with no broker at KAFKA_BROKERS: the hint of ingest and stream, exit 1, nothing read", async () => {
    const port = await freePort()
    const run = await runCli(["batch", "run"], { ...vars, KAFKA_BROKERS: `127.0.0.1:${port}` })
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `KAFKA_BROKERS=127.0.0.1:${port}: no broker answered at 127.0.0.1:${port} after 10 s — is Kafka running? \`npm run services -- up\` starts one`
    ])
    assert.notInclude(run.output, "batch run started")
    assert.notMatch(run.output, stackFrame)
  }, 60_000)

  it("batch run with a missing bucket: one line naming GCS_BUCKET, before Kafka is tried", async () => {
    const missing = uniqueName("no-such-bucket")
    const port = await freePort()
    const started = performance.now()
    const run = await runCli(["batch", "run"], { ...vars, GCS_BUCKET: missing, KAFKA_BROKERS: `127.0.0.1:${port}` })
    const seconds = (performance.now() - started) / 1000
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `object store list "" failed: GCS_BUCKET=${missing}: no such bucket at ${env.gcsEndpoint} — create it, or set GCS_BUCKET to an existing bucket (unset: the local folder .pinflow/bucket)`
    ])
    assert.isBelow(seconds, 8, "failed before the 10 s wait for a broker")
    assert.notMatch(run.output, stackFrame)
  }, 60_000)

  it("batch schedule with a missing bucket: the same line, at start, exit 1", async () => {
    const missing = uniqueName("no-such-bucket")
    const run = await runCli(["batch", "schedule"], { ...vars, GCS_BUCKET: missing, METRICS_PORT: "0" })
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `object store list "" failed: GCS_BUCKET=${missing}: no such bucket at ${env.gcsEndpoint} — create it, or set GCS_BUCKET to an existing bucket (unset: the local folder .pinflow/bucket)`
    ])
    assert.notMatch(run.output, stackFrame)
  }, 60_000)

  it("a plain batch run that finds no events of yesterday says how to process today; --date does not", async () => {
    const plain = await runCli(["batch", "run"], vars)
    assert.strictEqual(plain.code, 0, plain.output)
    const day = yesterday()
    const hint = `batch: no events of ${day} (yesterday, UTC); events of today are processed by \`pinflow batch run --date $(date -u +%F)\``
    assert.strictEqual(jsonRecords(plain).at(-1)?.message, hint, plain.output)
    const dated = await runCli(["batch", "run", "--date", day], vars)
    assert.strictEqual(dated.code, 0, dated.output)
    assert.notInclude(dated.output, "events of today are processed by")
    assert.include(dated.output, `batch ${day} succeeded`)
  }, 90_000)

  it("stream with METRICS_PORT in use: one line naming METRICS_PORT, exit 1, no stack", async () => {
    held = createServer()
    const server = held
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const run = await runCli(["stream"], { ...vars, METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" })
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `cannot listen on 127.0.0.1:${port}: the port is already in use by another process — stop it, or choose another port with METRICS_PORT (0: any free port)`
    ])
    assert.notMatch(run.output, stackFrame)
  }, 60_000)
})
