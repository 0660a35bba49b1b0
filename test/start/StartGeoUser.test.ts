/**
 * `pinflow start` on embedded defaults (durable embedded log, PGlite) takes geo and user events too: the
 * first 50 rows of each sample posted to /geos and /users land in geo_events and users, a refused one of
 * each type is a reject with its event_type.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { sampleLines } from "../support/sampleData.ts"
import { eventually, metric, startPinflow } from "./StartProcess.ts"

const shared = new URL("../../../shared/data/", import.meta.url)
const geo = sampleLines(new URL("geo-sample.ndjson", shared).pathname)
const users = sampleLines(new URL("users-sample.ndjson", shared).pathname)

const post = (url: string, path: string, lines: ReadonlyArray<string>) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: lines.join("\n")
  })

describe("pinflow start on embedded defaults, geo and user events", () => {
  it("lands posted geo and user events in their tables, refusals as rejects of their type", async (ctx) => {
    if ("skip" in geo) return ctx.skip(geo.skip)
    if ("skip" in users) return ctx.skip(users.skip)
    const home = join(mkdtempSync(join(tmpdir(), "pinflow-start-geo-")), ".pinflow")
    const run = await startPinflow({ PINFLOW_HOME: home })
    try {
      // the first 50 rows of each sample have distinct inds (3, 4, 6, …), all clean
      const badGeo = JSON.stringify({
        ind: 900001,
        timestamp: "2020-01-01 00:00:00",
        latitude: 91,
        longitude: 0,
        country: "X"
      })
      const badUser = JSON.stringify({
        ind: 900002,
        first_name: "A",
        last_name: "B",
        age: 200,
        date_joined: "2020-01-01 00:00:00"
      })
      expect((await post(run.url, "/geos", [...geo.lines.slice(0, 50), badGeo])).status).toBe(200)
      expect((await post(run.url, "/users", [...users.lines.slice(0, 50), badUser])).status).toBe(200)
      await eventually(
        async () =>
          (await metric(run.url, "pinflow_event_rows_written_total")) === 100 &&
          (await metric(run.url, "pinflow_rejects_written_total")) === 2,
        "the worker to write every geo and user row and both rejects",
        run.output
      )
    } finally {
      expect(await run.stop()).toBe(0)
    }
    const { PGlite } = await import("@electric-sql/pglite")
    const db = await PGlite.create(join(home, "postgres"))
    try {
      const counts = await db.query<{ geos: number; users: number }>(
        "select (select count(*)::int from geo_events) as geos, (select count(*)::int from users) as users"
      )
      expect(counts.rows).toEqual([{ geos: 50, users: 50 }])
      const user3 = await db.query("select ind::int, user_name, age from users where ind = 3")
      expect(user3.rows).toEqual([{ ind: 3, user_name: "Amanda Alvarez", age: 21 }])
      const rejects = await db.query(
        "select event_type, source, reason, unique_id from pin_rejects order by event_type"
      )
      expect(rejects.rows).toEqual([
        { event_type: "geo", source: "stream", reason: "out_of_range", unique_id: "900001" },
        { event_type: "user", source: "stream", reason: "out_of_range", unique_id: "900002" }
      ])
    } finally {
      await db.close()
    }
  }, 180_000)
})
