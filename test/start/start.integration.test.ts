/**
 * The same `pinflow start` with the development services' variables set: the edge produces to Kafka,
 * the worker writes to PostgreSQL, and it says so; rows are checked with SQL.
 */
import { cleanPinLine } from "@pinflow/domain"
import { Result } from "effect"
import postgres from "postgres"
import { expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { sampleLines } from "../support/sampleData.ts"
import { eventually, metric, postPins, startPinflow } from "./StartProcess.ts"

describeIntegration("pinflow start on Kafka, PostgreSQL and GCS", ["kafka", "postgres", "gcs"], (env) => {
  it("uses the real services and lands every clean pin once", async (ctx) => {
    const sample = sampleLines()
    if ("skip" in sample) return ctx.skip(sample.skip)
    const topic = uniqueName("start-pins")
    const lines = sample.lines.slice(200, 300)
    const expected = lines.flatMap((line) => {
      const outcome = cleanPinLine(line)
      return Result.isSuccess(outcome) ? [outcome.success.unique_id as string] : []
    })
    const run = await startPinflow({
      ...env.vars,
      PINS_TOPIC: topic,
      KAFKA_PARTITIONS: "3",
      STREAM_GROUP: uniqueName("start-stream"),
      METRICS_PORT: "0"
    })
    try {
      expect(run.output()).toContain(`log:      Kafka at ${env.kafkaBrokers.join(",")}`)
      expect(run.output()).toContain("database: PostgreSQL at DATABASE_URL")
      expect(run.output()).toContain(`archive:  GCS bucket ${env.gcsBucket}`)
      expect((await postPins(run.url, [...lines, lines[0] ?? ""])).status).toBe(200)
      await eventually(
        async () => (await metric(run.url, "pinflow_pins_written_total")) >= expected.length,
        "the worker to write the pins",
        run.output
      )
    } finally {
      expect(await run.stop()).toBe(0)
    }
    const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
    try {
      const rows = await sql<Array<{ unique_id: string }>>`
        select unique_id from pins where unique_id in ${sql(expected)} order by unique_id`
      expect(rows.map((r) => r.unique_id)).toEqual([...new Set(expected)].sort())
    } finally {
      await sql.end()
    }
  }, 180_000)
})
