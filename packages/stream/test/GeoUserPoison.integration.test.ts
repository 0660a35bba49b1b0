// Hostile geo and user records written straight to their topics (another producer than the edge): each
// ends as a row or a reject of its type, and the good events after them land; the worker never stops.
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import {
  createTopics,
  groupProgress,
  kafkaOf,
  produce,
  spawnWorker,
  type Worker,
  waitFor
} from "./IntegrationSupport.ts"

const at = "2026-11-26T10:00:00.000Z"
const geo = (fields: Record<string, unknown>) =>
  JSON.stringify({
    ind: 1,
    timestamp: "2019-11-09 07:45:20",
    latitude: 1.5,
    longitude: 2,
    country: "Aruba",
    ...fields,
    ingested_at: at
  })
const user = (fields: Record<string, unknown>) =>
  JSON.stringify({
    ind: 1,
    user_name: "Amanda Alvarez",
    age: 21,
    date_joined: "2015-10-30 01:31:09",
    ...fields,
    ingested_at: at
  })

describeIntegration("stream worker against poison geo and user records", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("geo_user_poison", "_")
  let url = ""
  let sql: postgres.Sql
  const workers: Array<Worker> = []
  const kafka = kafkaOf(env.kafkaBrokers)

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    sql = postgres(url, { max: 2, onnotice: () => undefined })
  })
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL")
    await sql?.end({ timeout: 5 })
    await dropSchema(env.databaseUrl, schema)
  })

  it("every poison record ends as a reject of its type, the good ones after them as rows", async () => {
    const topic = uniqueName("geo-user-poison")
    const geos = `${topic}-geos`
    const users = `${topic}-users`
    await createTopics(
      kafka,
      [`${topic}-pins`, `${topic}-pins.rejected`, geos, `${geos}.rejected`, users, `${users}.rejected`],
      1
    )
    await produce(kafka, geos, [
      { key: null, value: "not json" },
      { key: "1", value: geo({ ind: 1e300 }) },
      { key: "2", value: geo({ ind: 2, country: "nul \u0000 inside" }) },
      { key: "3", value: geo({ ind: 3, country: "lone \ud800 surrogate" }) },
      { key: null, value: `${"[".repeat(10_000)}${"]".repeat(10_000)}` },
      { key: "4", value: geo({ ind: 4, latitude: 90.5 }) },
      { key: "77", value: geo({ ind: 77 }) }
    ])
    await produce(kafka, users, [
      { key: "5", value: user({ ind: 5, age: 151 }) },
      { key: "6", value: user({ ind: 6, user_name: "x".repeat(70_000) }) },
      { key: "7", value: user({ ind: 7, date_joined: "2015-02-30 01:31:09" }) },
      { key: "77", value: user({ ind: 77 }) }
    ])
    await produce(kafka, `${geos}.rejected`, [{ key: null, value: "garbage" }])
    await produce(kafka, `${users}.rejected`, [
      {
        key: "8",
        value: JSON.stringify({
          reason: "schema",
          detail: "age: Missing key",
          raw: { ind: 8 },
          unique_id: "8",
          rejected_at: at
        })
      }
    ])
    const group = `g-${topic}`
    const worker = spawnWorker({
      KAFKA_BROKERS: env.kafkaBrokers.join(","),
      DATABASE_URL: url,
      PINS_TOPIC: `${topic}-pins`,
      GEOS_TOPIC: geos,
      USERS_TOPIC: users,
      STREAM_GROUP: group
    })
    workers.push(worker)
    await waitFor(
      "every record committed",
      async () => {
        const progress = await Promise.all(
          [geos, users, `${geos}.rejected`, `${users}.rejected`].map((t) => groupProgress(kafka, group, t))
        )
        return progress.every((p) => p.end > 0 && p.committed === p.end)
      },
      120_000,
      () => worker.output()
    )
    expect(worker.child.exitCode).toBe(null)
    const rows =
      await sql`select (select array_agg(ind::int) from geo_events) as geos, (select array_agg(ind::int) from users) as users`
    expect({ ...rows[0] }).toEqual({ geos: [77], users: [77] })
    const rejects =
      await sql`select event_type, source, reason, unique_id from pin_rejects order by event_type, source, "offset"`
    const reject = (event_type: string, source: string, reason: string, unique_id: string | null) => ({
      event_type,
      source,
      reason,
      unique_id
    })
    // by hand: what each record is under design.md's rules, keyed by its ind when that is a safe integer
    expect(rejects.map((r) => ({ ...r }))).toEqual([
      reject("geo", "ingest", "invalid_json", null),
      reject("geo", "stream", "invalid_json", null),
      reject("geo", "stream", "schema", null),
      reject("geo", "stream", "schema", "2"),
      reject("geo", "stream", "schema", "3"),
      reject("geo", "stream", "invalid_json", null),
      reject("geo", "stream", "out_of_range", "4"),
      reject("user", "ingest", "schema", "8"),
      reject("user", "stream", "out_of_range", "5"),
      reject("user", "stream", "schema", "6"),
      reject("user", "stream", "schema", "7")
    ])
  }, 300_000)
})
