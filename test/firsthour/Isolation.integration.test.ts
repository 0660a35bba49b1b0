/**
 * Two deployments sharing one PostgreSQL database and one bucket: `pinflow batch run` with different
 * DATABASE_SCHEMA, ARCHIVE_PREFIX and PINS_TOPIC never touches the other's tables or objects. The topic
 * alone separates two runs with the same prefix; the prefix alone separates two runs of the same topic.
 */

import { Kafka, logLevel, Partitioners } from "kafkajs"
import postgres from "postgres"
import { afterAll, assert, it } from "vitest"
import { event } from "../../packages/batch/test/fixtures.ts"
import { describeIntegration, type IntegrationEnv, uniqueName } from "../support/integration.ts"
import { spawnProgram } from "../support/spawnProgram.ts"

interface Deployment {
  readonly schema: string
  readonly prefix: string
  readonly topic: string
}

const createTopic = async (env: IntegrationEnv, topic: string) => {
  const kafka = new Kafka({
    clientId: "firsthour-isolation",
    brokers: [...env.kafkaBrokers],
    logLevel: logLevel.NOTHING
  })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
  await admin.disconnect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  return {
    produce: async (values: ReadonlyArray<string>) => {
      await producer.connect()
      await producer.send({ topic, messages: values.map((value) => ({ key: null, value })) })
      await producer.disconnect()
    }
  }
}

/** Every object of the bucket: name → generation (a rewrite changes it). */
const objects = async (env: IntegrationEnv, bucket: string): Promise<Record<string, string>> => {
  const res = await fetch(`${env.gcsEndpoint}/storage/v1/b/${bucket}/o`)
  assert.isTrue(res.ok, `list ${bucket}: HTTP ${res.status}`)
  const body = (await res.json()) as { items?: Array<{ name: string; generation: string }> }
  return Object.fromEntries((body.items ?? []).map((o) => [o.name, String(o.generation)]))
}

/** Waits, up to 60 s, until the program has written `text`. */
const printed = async (program: ReturnType<typeof spawnProgram>, text: string) => {
  const deadline = Date.now() + 60_000
  while (!program.output().includes(text)) {
    if (program.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`never printed ${JSON.stringify(text)}:\n${program.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describeIntegration("isolation: DATABASE_SCHEMA, ARCHIVE_PREFIX and the topic", ["kafka", "postgres", "gcs"], (env) => {
  const admin = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
  const schemas: Array<string> = []
  afterAll(async () => {
    for (const schema of schemas) await admin.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin.end({ timeout: 5 })
  })

  it("two batch runs in one database and bucket never touch each other's tables or objects", async () => {
    const bucket = uniqueName("isolation")
    const created = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket })
    })
    assert.isTrue(created.ok, `create bucket ${bucket}: HTTP ${created.status}`)
    const day = new Date().toISOString().slice(0, 10)
    const at = `${day}T00:00:01.000Z`
    const shared = uniqueName("team")
    const a: Deployment = { schema: uniqueName("iso_a", "_"), prefix: shared, topic: uniqueName("pins-a") }
    // same prefix as a, another topic
    const b: Deployment = { schema: uniqueName("iso_b", "_"), prefix: shared, topic: uniqueName("pins-b") }
    // a's topic again, under another prefix
    const c: Deployment = { schema: uniqueName("iso_c", "_"), prefix: uniqueName("other"), topic: a.topic }
    schemas.push(a.schema, b.schema, c.schema)
    const categoryA = uniqueName("cat-a")
    const categoryB = uniqueName("cat-b")
    await (await createTopic(env, a.topic)).produce(
      [1, 2, 3].map((i) => JSON.stringify(event(i, at, { unique_id: `a-${i}`, category: categoryA })))
    )
    await (await createTopic(env, b.topic)).produce(
      [1, 2].map((i) => JSON.stringify(event(i, at, { unique_id: `b-${i}`, category: categoryB })))
    )

    const batchRun = async (d: Deployment) => {
      const vars: Record<string, string | undefined> = {
        ...process.env,
        KAFKA_BROKERS: env.kafkaBrokers.join(","),
        // the database itself: the schema comes from DATABASE_SCHEMA only (created by the program)
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: d.schema,
        GCS_ENDPOINT: env.gcsEndpoint,
        GCS_BUCKET: bucket,
        ARCHIVE_PREFIX: d.prefix,
        PINS_TOPIC: d.topic,
        BATCH_GROUP: uniqueName("archive"),
        LOG_LEVEL: "Info"
      }
      delete vars.STORAGE_EMULATOR_HOST
      delete vars.OBJECT_STORE_DIR
      const program = spawnProgram("packages/cli/src/bin.ts", ["batch", "run", "--date", day], vars)
      assert.strictEqual(await program.exited, 0, program.output())
    }

    await batchRun(a)
    const keyA = `${shared}/raw/${a.topic}/dt=${day}/part-0-0-2.ndjson.gz`
    const afterA = await objects(env, bucket)
    assert.deepStrictEqual(Object.keys(afterA), [keyA])
    await batchRun(b)
    await batchRun(c)

    const keyB = `${shared}/raw/${b.topic}/dt=${day}/part-0-0-1.ndjson.gz`
    const keyC = `${c.prefix}/raw/${a.topic}/dt=${day}/part-0-0-2.ndjson.gz`
    const all = await objects(env, bucket)
    assert.deepStrictEqual(Object.keys(all).sort(), [keyA, keyB, keyC].sort())
    assert.strictEqual(all[keyA], afterA[keyA], "a's object was not rewritten by b or c")

    const stats = async (schema: string) =>
      (
        await admin.unsafe<Array<{ category: string; pins: number }>>(
          `select category, pins from "${schema}".daily_category_stats order by category`
        )
      ).map((r) => [r.category, r.pins])
    const runs = async (schema: string) =>
      (
        await admin.unsafe<Array<{ day: string; status: string }>>(
          `select day::text as day, status from "${schema}".batch_runs order by id`
        )
      ).map((r) => [r.day, r.status])
    assert.deepStrictEqual(await stats(a.schema), [[categoryA, 3]])
    assert.deepStrictEqual(await stats(b.schema), [[categoryB, 2]])
    assert.deepStrictEqual(await stats(c.schema), [[categoryA, 3]])
    for (const d of [a, b, c]) assert.deepStrictEqual(await runs(d.schema), [[day, "succeeded"]], d.schema)
    // the server's default schema got none of it
    // (a fresh server has no such table at all; PostgreSQL resolves a table name even in an untaken branch)
    const [table] = await admin<Array<{ exists: boolean }>>`
      select to_regclass('public.daily_category_stats') is not null as exists`
    if (table?.exists === true) {
      const [leaked] = await admin<Array<{ n: number }>>`
        select count(*)::int as n from public.daily_category_stats where category in (${categoryA}, ${categoryB})`
      assert.strictEqual(leaked?.n, 0)
    }
  }, 240_000)

  it("a batch run holding its schema's run lock does not block a run in another schema", async () => {
    const bucket = uniqueName("isolation-lock")
    const created = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket })
    })
    assert.isTrue(created.ok, `create bucket ${bucket}: HTTP ${created.status}`)
    const day = new Date().toISOString().slice(0, 10)
    const at = `${day}T00:00:01.000Z`
    const a: Deployment = { schema: uniqueName("lock_a", "_"), prefix: "", topic: uniqueName("pins-lock-a") }
    const b: Deployment = { schema: uniqueName("lock_b", "_"), prefix: "", topic: uniqueName("pins-lock-b") }
    schemas.push(a.schema, b.schema)
    for (const d of [a, b])
      await (await createTopic(env, d.topic)).produce([JSON.stringify(event(1, at, { unique_id: `${d.topic}-1` }))])
    const vars = (d: Deployment): Record<string, string | undefined> => {
      const vars: Record<string, string | undefined> = {
        ...process.env,
        KAFKA_BROKERS: env.kafkaBrokers.join(","),
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: d.schema,
        GCS_ENDPOINT: env.gcsEndpoint,
        GCS_BUCKET: bucket,
        PINS_TOPIC: d.topic,
        BATCH_GROUP: uniqueName("archive"),
        LOG_LEVEL: "Info"
      }
      delete vars.STORAGE_EMULATOR_HOST
      delete vars.OBJECT_STORE_DIR
      delete vars.ARCHIVE_PREFIX
      return vars
    }
    const migrate = spawnProgram("packages/cli/src/bin.ts", ["migrate"], vars(a))
    assert.strictEqual(await migrate.exited, 0, migrate.output())
    // Holding a's daily table keeps a's run inside its run lock (its replaceDay waits) until the test lets go.
    const holder = await admin.reserve()
    await holder`begin`
    await holder.unsafe(`lock table "${a.schema}".daily_category_stats in access exclusive mode`)
    const first = spawnProgram("packages/cli/src/bin.ts", ["batch", "run", "--date", day], vars(a))
    try {
      await printed(first, "batch run started")
      const other = spawnProgram("packages/cli/src/bin.ts", ["batch", "run", "--date", day], vars(b))
      assert.strictEqual(await other.exited, 0, other.output())
      assert.include(other.output(), `batch ${day} succeeded`)
      assert.strictEqual(first.child.exitCode, null, "a's run still holds its lock")
    } finally {
      await holder`commit`
      holder.release()
    }
    assert.strictEqual(await first.exited, 0, first.output())
  }, 240_000)
})
