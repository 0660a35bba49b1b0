// `pinflow emulate` with the three sample files against the real edge, Kafka and the worker: each row's
// pin, geo and user land together — 2,384 geo and user rows, 2,362 pins plus 22 counted empty_pin
// rejects — and join on pin_index = ind, as the insights need.
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { sampleLines, samplePath } from "../../../test/support/sampleData.ts"
import { type Program, spawnProgram } from "../../../test/support/spawnProgram.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import { spawnReadyEdge, spawnWorker, typeTopicVars, waitFor } from "../../stream/test/IntegrationSupport.ts"

const files = ["pins-sample.ndjson", "geo-sample.ndjson", "users-sample.ndjson"].map((file) =>
  samplePath.replace("pins-sample.ndjson", file)
)
const missing = files.map((file) => sampleLines(file)).find((sample) => "skip" in sample)

describeIntegration("pinflow emulate --file with the three samples, end to end", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("emulate_it", "_")
  let url = ""
  let sql: postgres.Sql
  const programs: Array<Program> = []

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    sql = postgres(url, { max: 2, onnotice: () => undefined })
  })
  afterAll(async () => {
    for (const p of programs) p.child.kill("SIGKILL")
    await sql?.end({ timeout: 5 })
    await dropSchema(env.databaseUrl, schema)
  })

  it.skipIf(missing !== undefined)(
    "lands every row of each type once, the three joined on pin_index = ind",
    async () => {
      const topic = uniqueName("emulate-it")
      const vars = typeTopicVars(topic, env.kafkaBrokers, url)
      const base = await spawnReadyEdge(vars, programs)
      const worker = spawnWorker({ ...vars, STREAM_GROUP: `g-${topic}` })
      programs.push(worker)

      const emulate = spawnProgram(
        "packages/cli/src/bin.ts",
        ["emulate", "--url", base, "--rate", "0", ...files.flatMap((file) => ["--file", file])],
        { ...process.env, ...vars }
      )
      programs.push(emulate)
      expect(await emulate.exited).toBe(0)
      // every request acknowledged: 7,152 events, 2,384 of each type
      expect(emulate.output()).toMatch(
        /sent 7152 in [\d.]+ s \(\d+\/s\) \(pin 2384, geo 2384, user 2384\)\nstatus 200: 7152\n/
      )

      const counts = async () => {
        const [row] = await sql<Array<Record<string, number>>>`
          select (select count(*)::int from pins) as pins, (select count(*)::int from geo_events) as geos,
            (select count(*)::int from users) as users, (select count(*)::int from pin_rejects) as rejects`
        return row
      }
      await waitFor(
        "every row",
        async () => {
          const c = await counts()
          return c?.pins === 2362 && c.geos === 2384 && c.users === 2384 && c.rejects === 22
        },
        120_000,
        () => worker.output()
      )
      expect(await counts()).toEqual({ pins: 2362, geos: 2384, users: 2384, rejects: 22 })
      const rejects = await sql`select event_type, reason, count(*)::int as n from pin_rejects group by 1, 2`
      expect(rejects.map((r) => ({ ...r }))).toEqual([{ event_type: "pin", reason: "empty_pin", n: 22 }])
      const [joined] = await sql<Array<{ n: number }>>`
        select count(*)::int as n from pins p
          join geo_events g on g.ind = p.pin_index
          join users u on u.ind = p.pin_index`
      expect(joined?.n).toBe(2362)
    },
    300_000
  )
})
