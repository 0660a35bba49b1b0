// `pinflow batch run` as a process against the real services (Kafka, PostgreSQL, fake-gcs-server): a poison
// corpus written straight to the topic never fails the day; two runs at once never overlap; --catch-up runs
// the missed days. Each test has its own topic, consumer group, bucket and Postgres schema.
import { afterAll, assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import postgres from "postgres"
import { describeIntegration, type IntegrationEnv, uniqueName } from "../../../test/support/integration.ts"
import { spawnProgram } from "../../../test/support/spawnProgram.ts"
import { createSchema, dropSchema, migratedDatabase } from "../../adapters/test/DatabaseSchema.ts"
import { addDays } from "../src/Days.ts"
import { event, tenEventsRows } from "./fixtures.ts"

type Message = { readonly key: string | null; readonly value: string | Buffer }

/** A topic, group, bucket and schema of its own, with the child process environment that uses them. */
const world = async (env: IntegrationEnv, name: string) => {
  const topic = uniqueName(`pins-${name}`)
  const bucket = uniqueName(name)
  const schema = uniqueName(name, "_")
  const url = await createSchema(env.databaseUrl, schema)
  const res = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: bucket })
  })
  assert.isTrue(res.ok, `create bucket ${bucket}: HTTP ${res.status}`)
  const kafka = new Kafka({ clientId: "batch-cli-test", brokers: [...env.kafkaBrokers], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] })
  await admin.disconnect()
  const vars: Record<string, string | undefined> = {
    ...process.env,
    KAFKA_BROKERS: env.kafkaBrokers.join(","),
    DATABASE_URL: url,
    GCS_ENDPOINT: env.gcsEndpoint,
    GCS_BUCKET: bucket,
    PINS_TOPIC: topic,
    BATCH_GROUP: uniqueName("archive"),
    LOG_LEVEL: "Info"
  }
  delete vars.STORAGE_EMULATOR_HOST
  delete vars.OBJECT_STORE_DIR
  const sql = postgres(url, { max: 2, onnotice: () => undefined })
  return {
    schema,
    url,
    vars,
    sql,
    /** Writes messages as another producer would: raw kafkajs, values as given. */
    produce: async (messages: ReadonlyArray<Message>) => {
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      await producer.send({ topic, messages: [...messages] })
      await producer.disconnect()
    },
    /** `node packages/cli/src/bin.ts batch run ...args` in this world. */
    batchRun: (args: ReadonlyArray<string>) => spawnProgram("packages/cli/src/bin.ts", ["batch", "run", ...args], vars),
    /** The day's rows of both daily tables, as the literal fixtures state them. */
    tables: async (day: string) => ({
      categories: (
        await sql<
          Array<{
            day: string
            category: string
            pins: number
            median_follower_count: number | null
            downloaded_ratio: number
            images: number
            videos: number
            stories: number
          }>
        >`select day::text as day, category, pins, median_follower_count, downloaded_ratio, images, videos, stories
          from daily_category_stats where day = ${day}::date order by category collate "C"`
      ).map((r) => ({ ...r })),
      tags: (
        await sql<Array<{ day: string; tag: string; pins: number }>>`select day::text as day, tag, pins
          from daily_tag_counts where day = ${day}::date order by tag collate "C"`
      ).map((r) => ({ ...r }))
    }),
    runs: async () =>
      (
        await sql<Array<{ day: string; status: string; error: string | null }>>`select day::text as day, status, error
        from batch_runs order by id`
      ).map((r) => [r.day, r.status, r.error]),
    close: async () => {
      await sql.end({ timeout: 5 })
      await dropSchema(env.databaseUrl, schema)
    }
  }
}

/** Waits, up to 60 s, until the program has written `text` (it runs in another process). */
const printed = async (
  program: { readonly output: () => string; readonly exited: Promise<number | null> },
  text: string
) => {
  let ended = false
  void program.exited.then(() => {
    ended = true
  })
  const deadline = Date.now() + 60_000
  while (!program.output().includes(text)) {
    if (ended || Date.now() > deadline) throw new Error(`never printed ${JSON.stringify(text)}:\n${program.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The program's exit code, or a failure with its output when it has not exited within 60 s. */
const exitCode = (program: { readonly output: () => string; readonly exited: Promise<number | null> }) =>
  Promise.race([
    program.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running after 60 s:\n${program.output()}`)), 60_000).unref()
    )
  ])

/** Creates the tables in the world's schema, as the programs' own migrations do. */
const migrate = (url: string) => Effect.runPromise(Effect.scoped(Layer.build(migratedDatabase(url))))

const utcToday = () => new Date().toISOString().slice(0, 10)
const json = (value: unknown) => JSON.stringify(value)
/** Pseudo-random letters: text no compression shortens. */
const letters = (n: number) =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7919 + ((i * i) % 101)) % 26))).join("")

describeIntegration(
  "pinflow batch run against Kafka, fake-gcs-server and PostgreSQL",
  ["kafka", "postgres", "gcs"],
  (env) => {
    const closers: Array<() => Promise<void>> = []
    afterAll(async () => {
      for (const close of closers) await close()
    })

    it("a poison corpus never fails the day: poison rows are rejects, good events are aggregated", async () => {
      const w = await world(env, "poison")
      closers.push(w.close)
      const day = utcToday()
      const at = `${day}T00:00:01.000Z`
      const deepTail = `{"a":${"[".repeat(100)}${"]".repeat(100)},"ingested_at":"${at}"}`
      await w.produce([
        ...Array.from({ length: 10 }, (_, i) => ({ key: `pin-${i}`, value: json(event(i, at)) })),
        // more fraction digits than a double's exponent (cleaning used to throw on it)
        {
          key: "p-follower",
          value: json(event(300, at, { unique_id: "p-follower", follower_count: `1.${"5".repeat(400)}` }))
        },
        {
          key: "p-long-category",
          value: json(event(301, at, { unique_id: "p-long-category", category: letters(4000) }))
        },
        {
          key: "p-long-tag",
          value: json(
            event(302, at, { unique_id: "p-long-tag", category: "longtag", tag_list: `${letters(5000)},fine` })
          )
        },
        // two texts Postgres would store as the same "cat\ufffd"
        { key: "p-surrogate-1", value: json(event(303, at, { unique_id: "p-surrogate-1", category: "cat\ud800" })) },
        { key: "p-surrogate-2", value: json(event(304, at, { unique_id: "p-surrogate-2", category: "cat\udbff" })) },
        // another producer's value with a raw NUL, and bytes that are not UTF-8
        { key: "p-nul", value: '{"unique_id":"p-nul","title":"a\u0000b"' },
        { key: "p-binary", value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
        // nested past 64 levels: one dated by its tail (refused when processed), one not (refused when archived)
        { key: "p-deep-tail", value: deepTail },
        { key: "p-deep", value: `${"[".repeat(100)}${"]".repeat(100)}` }
      ])

      const run = w.batchRun(["--date", day])
      const code = await run.exited
      assert.strictEqual(code, 0, run.output())
      assert.include(run.output(), `batch ${day} succeeded`)
      assert.deepStrictEqual(await w.runs(), [[day, "succeeded", null]])

      const tables = await w.tables(day)
      const good = tenEventsRows(day)
      assert.deepStrictEqual(tables, {
        categories: [
          ...good.categories,
          // event 302: story, not downloaded, "User Info Error"; its 5000-letter tag dropped
          {
            day,
            category: "longtag",
            pins: 1,
            median_follower_count: null,
            downloaded_ratio: 0,
            images: 0,
            videos: 0,
            stories: 1
          }
        ].sort((a, b) => (a.category < b.category ? -1 : 1)),
        tags: [{ day, tag: "fine", pins: 1 }, ...good.tags]
      })

      const rejects = await w.sql<
        Array<{ reason: string; unique_id: string | null; raw: string; offset: string | null; line: number | null }>
      >`select reason, unique_id, raw, "offset", line from pin_rejects where source = 'batch'`
      const described = rejects
        .map((r) => [r.reason, r.unique_id ?? r.raw.slice(0, 8), r.offset === null ? "process" : "archive"])
        .sort((a, b) => `${a}`.localeCompare(`${b}`))
      assert.deepStrictEqual(
        described,
        [
          ["invalid_json", deepTail.slice(0, 8), "process"],
          ["invalid_json", "[[[[[[[[", "archive"],
          ["invalid_json", '{"unique', "archive"],
          ["invalid_json", "\ufffd\ufffd\\u0000", "archive"],
          ["schema", "p-follower", "process"],
          ["schema", "p-long-category", "process"],
          ["schema", "p-surrogate-1", "process"],
          ["schema", "p-surrogate-2", "process"]
        ].sort((a, b) => `${a}`.localeCompare(`${b}`))
      )
      // stored, with the NUL escaped
      assert.strictEqual(
        rejects.find((r) => r.raw.startsWith('{"unique_id":"p-nul"'))?.raw,
        '{"unique_id":"p-nul","title":"a\\u0000b"'
      )
    }, 180_000)

    it("two runs at once never overlap: while one holds the run lock, the other refuses", async () => {
      const w = await world(env, "lock")
      closers.push(w.close)
      await migrate(w.url)
      const day = addDays(utcToday(), -1)
      await w.produce(
        Array.from({ length: 10 }, (_, i) => ({ key: `pin-${i}`, value: json(event(i, `${day}T12:00:00.000Z`)) }))
      )
      // Holding a daily table keeps the first run inside its lock (its replaceDay waits) until the test lets go.
      const holder = await w.sql.reserve()
      await holder`begin`
      await holder`lock table daily_category_stats in access exclusive mode`
      const first = w.batchRun(["--date", day])
      try {
        await printed(first, "batch run started")
        const second = w.batchRun(["--date", day])
        assert.strictEqual(await exitCode(second), 1, second.output())
        assert.include(second.output(), "another batch run is in progress in another process; runs never overlap")
      } finally {
        await holder`commit`
        holder.release()
      }
      assert.strictEqual(await first.exited, 0, first.output())
      assert.deepStrictEqual(await w.runs(), [[day, "succeeded", null]])
      assert.deepStrictEqual(await w.tables(day), tenEventsRows(day))
    }, 180_000)

    it("--catch-up runs every day missed since the last succeeded run, oldest first, each once", async () => {
      const w = await world(env, "catchup")
      closers.push(w.close)
      await migrate(w.url)
      const today = utcToday()
      const [first, missed, yesterday] = [addDays(today, -3), addDays(today, -2), addDays(today, -1)]
      // pinflow's first nightly run succeeded three days ago; the two nights since were missed
      await w.sql`insert into batch_runs (day, status, started_at, finished_at)
      values (${first}::date, 'succeeded', now(), now())`
      await w.produce(
        [missed, yesterday].flatMap((day) =>
          Array.from({ length: 10 }, (_, i) => ({ key: `pin-${i}`, value: json(event(i, `${day}T12:00:00.000Z`)) }))
        )
      )
      const run = w.batchRun(["--catch-up"])
      assert.strictEqual(await run.exited, 0, run.output())
      // the missed day's run archives both days and processes the later one too: it is not run twice
      assert.deepStrictEqual(await w.runs(), [
        [first, "succeeded", null],
        [missed, "succeeded", null],
        [yesterday, "succeeded", null]
      ])
      assert.deepStrictEqual(await w.tables(missed), tenEventsRows(missed))
      assert.deepStrictEqual(await w.tables(yesterday), tenEventsRows(yesterday))
    }, 180_000)
  }
)
