// Geo and user events end to end through the real services: the samples posted to the edge (/geos, /users),
// logged in Kafka, cleaned by the worker into geo_events and users; refusals of each type kept as rejects
// with their event_type; a repeated ind is the same row, the last written wins.
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { sampleLines } from "../../../test/support/sampleData.ts"
import type { Program } from "../../../test/support/spawnProgram.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import { spawnReadyEdge, spawnWorker, typeTopicVars, type Worker, waitFor } from "./IntegrationSupport.ts"

const shared = new URL("../../../../shared/data/", import.meta.url)
const geo = sampleLines(new URL("geo-sample.ndjson", shared).pathname)
const users = sampleLines(new URL("users-sample.ndjson", shared).pathname)

describeIntegration("geo and user events through the edge, Kafka and the worker", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("geo_user_it", "_")
  let url = ""
  let sql: postgres.Sql
  const programs: Array<Program | Worker> = []

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    sql = postgres(url, { max: 2, onnotice: () => undefined })
  })
  afterAll(async () => {
    for (const p of programs) p.child.kill("SIGKILL")
    await sql?.end({ timeout: 5 })
    await dropSchema(env.databaseUrl, schema)
  })

  it.skipIf("skip" in geo || "skip" in users)(
    "lands 2,384 geo and 2,384 user rows exactly, rejects of each type with event_type, the last write of an ind wins",
    async () => {
      if ("skip" in geo || "skip" in users) return
      const topic = uniqueName("geo-user-it")
      const vars = typeTopicVars(topic, env.kafkaBrokers, url)
      const base = await spawnReadyEdge(vars, programs)
      const post = async (path: string, body: string, type = "application/json") => {
        const response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type }, body })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      }
      // the samples as NDJSON, 500 lines a request
      for (const [path, lines] of [
        ["/geos", geo.lines],
        ["/users", users.lines]
      ] as const) {
        for (let i = 0; i < lines.length; i += 500) {
          const chunk = lines.slice(i, i + 500)
          const answer = await post(path, chunk.join("\n"), "application/x-ndjson")
          expect([answer.status, answer.body.accepted, answer.body.rejected]).toEqual([200, chunk.length, 0])
        }
      }
      // a repeat of ind 3, posted after the sample: the same row, this version
      expect(
        await post(
          "/user/",
          JSON.stringify({
            ind: 3,
            first_name: " Later ",
            last_name: "Alvarez",
            age: 22,
            date_joined: "2016-01-02 03:04:05"
          })
        )
      ).toEqual({ status: 200, body: { status: "accepted", ind: 3 } })
      // accepted at the edge (structure), refused by the worker (range): a stream reject of type geo
      expect(
        (
          await post(
            "/geo/",
            JSON.stringify({ ind: 900001, timestamp: "2020-01-01 00:00:00", latitude: 91, longitude: 0, country: "X" })
          )
        ).status
      ).toBe(200)
      // refused at the edge, naming the field: an ingest reject of type user
      const invalid = await post(
        "/user/",
        JSON.stringify({ ind: "x", first_name: "A", last_name: "B", age: 30, date_joined: "2016-01-02 03:04:05" })
      )
      expect(invalid.status).toBe(400)
      expect(invalid.body.error).toBe("invalid user")
      expect((invalid.body.issues as ReadonlyArray<{ path: string }>).map((i) => i.path)).toEqual(["ind"])

      const worker = spawnWorker({ ...vars, STREAM_GROUP: `g-${topic}` })
      programs.push(worker)
      const counts = async () => {
        const [row] = await sql<Array<{ geos: number; users: number; pins: number; rejects: number }>>`
          select (select count(*)::int from geo_events) as geos, (select count(*)::int from users) as users,
            (select count(*)::int from pins) as pins, (select count(*)::int from pin_rejects) as rejects`
        return row
      }
      await waitFor(
        "every row",
        async () => {
          const c = await counts()
          return c?.geos === 2384 && c.users === 2384 && c.rejects === 2
        },
        120_000,
        () => worker.output()
      )
      expect(await counts()).toEqual({ geos: 2384, users: 2384, pins: 0, rejects: 2 })
      const rejects = await sql`
        select event_type, source, reason, unique_id from pin_rejects order by event_type`
      expect(rejects.map((r) => ({ ...r }))).toEqual([
        { event_type: "geo", source: "stream", reason: "out_of_range", unique_id: "900001" },
        { event_type: "user", source: "ingest", reason: "schema", unique_id: null }
      ])
      // hand-checked rows: the sample lines cleaned by design.md's rules
      const [geo3] = await sql`
        select ind::int, event_time, latitude, longitude, coordinates, country from geo_events where ind = 3`
      expect({ ...geo3 }).toEqual({
        ind: 3,
        event_time: new Date("2019-11-09T07:45:20.000Z"),
        latitude: -84.8378,
        longitude: -167.14,
        coordinates: [-84.8378, -167.14],
        country: "Aruba"
      })
      const userRows =
        await sql`select ind::int, user_name, age, date_joined from users where ind in (3, 106) order by ind`
      expect(userRows.map((r) => ({ ...r }))).toEqual([
        { ind: 3, user_name: "Later Alvarez", age: 22, date_joined: new Date("2016-01-02T03:04:05.000Z") },
        { ind: 106, user_name: "Nina Liu", age: 60, date_joined: new Date("2017-09-05T09:07:47.000Z") }
      ])
      // every ingested_at stamped by the edge, every row written by this worker
      const [stampedRows] = await sql<Array<{ n: number }>>`
        select (select count(*) from geo_events where ingested_at is not null and processed_at is not null)::int
          + (select count(*) from users where ingested_at is not null and processed_at is not null)::int as n`
      expect(stampedRows?.n).toBe(4768)
    },
    300_000
  )
})
