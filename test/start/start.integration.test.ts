/**
 * The same `pinflow start` with the development services' variables set: the edge produces to Kafka,
 * the worker writes to PostgreSQL, and it says so; rows are checked with SQL. The shared `pins` table
 * keeps earlier runs' rows, so this run's events carry ids of their own and the counts are exact.
 */
import postgres from "postgres"
import { expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { sampleLines } from "../support/sampleData.ts"
import { eventually, postPins, startPinflow } from "./StartProcess.ts"

/** `line` with its `unique_id` prefixed (everything else as in the sample). */
const withPrefix = (prefix: string, line: string): { line: string; id: string } => {
  const event = JSON.parse(line) as { unique_id: string }
  const id = `${prefix}${event.unique_id}`
  return { line: JSON.stringify({ ...event, unique_id: id }), id }
}

describeIntegration("pinflow start on Kafka, PostgreSQL and GCS", ["kafka", "postgres", "gcs"], (env) => {
  it("uses the real services and lands every clean pin once", async (ctx) => {
    const sample = sampleLines()
    if ("skip" in sample) return ctx.skip(sample.skip)
    const prefix = `${uniqueName("start")}-`
    // Hand-checked in the sample: rows 200-299 have 100 distinct ids, all valid and with content.
    const events = sample.lines.slice(200, 300).map((line) => withPrefix(prefix, line))
    const expected = events.map((e) => e.id).sort()
    expect(new Set(expected).size).toBe(100)
    const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
    const landed = async () => {
      const rows = await sql<Array<{ unique_id: string }>>`
        select unique_id from pins where unique_id like ${`${prefix}%`} order by unique_id`
      const rejects = await sql<Array<{ n: number }>>`
        select count(*)::int as n from pin_rejects where unique_id like ${`${prefix}%`}`
      return { ids: rows.map((r) => r.unique_id), rejects: rejects[0]?.n ?? -1 }
    }
    // a fresh database has no tables before pinflow start migrates it: nothing of this run there either
    const before = await landed().catch((error: { code?: string }) =>
      error.code === "42P01" ? { ids: [], rejects: 0 } : Promise.reject(error)
    )
    try {
      expect(before).toEqual({ ids: [], rejects: 0 })
      const run = await startPinflow({
        ...env.vars,
        PINS_TOPIC: uniqueName("start-pins"),
        KAFKA_PARTITIONS: "3",
        STREAM_GROUP: uniqueName("start-stream"),
        METRICS_PORT: "0"
      })
      try {
        expect(run.output()).toContain(`log:      Kafka at ${env.kafkaBrokers.join(",")}`)
        expect(run.output()).toContain("database: PostgreSQL at DATABASE_URL")
        expect(run.output()).toContain(`archive:  GCS bucket ${env.gcsBucket}`)
        const lines = events.map((e) => e.line)
        // the first event twice: one row
        expect((await postPins(run.url, [...lines, lines[0] ?? ""])).status).toBe(200)
        await eventually(async () => (await landed()).ids.length === 100, "the worker to write the pins", run.output)
      } finally {
        expect(await run.stop()).toBe(0)
      }
      expect(await landed()).toEqual({ ids: expected, rejects: 0 })
    } finally {
      await sql.end()
    }
  }, 180_000)
})
