/**
 * The whole-pipeline property (PipelineCase.ts) with the stream's rows and rejects and the batch's
 * tables in PostgreSQL (a schema of its own; the tables emptied before each case), so every value a
 * posted event can carry meets the real database: whatever it refuses must end as a reject, never as a
 * stalled worker, a failed day or a lost event.
 */
import { AnalyticsStore, Database, InMemoryLog, Migrations, PinStore } from "@pinflow/adapters"
import { ConfigProvider, Context, Effect, Exit, Layer, Scope } from "effect"
import fc from "fast-check"
import postgres from "postgres"
import { afterAll, beforeAll, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { PipelineEnv, runCase, type Stored } from "./PipelineCase.ts"
import { cases, outOfRangeInstants } from "./Requests.ts"

describeIntegration("the whole pipeline with PostgreSQL stores", ["postgres"], (env) => {
  const schema = uniqueName("pipeline", "_")
  let admin: postgres.Sql
  let scope: Scope.Closeable
  let database: Context.Context<Database | Migrations>

  beforeAll(async () => {
    admin = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
    await admin.unsafe(`create schema "${schema}"`)
    const url = new URL(env.databaseUrl)
    url.searchParams.set("search_path", schema)
    scope = await Effect.runPromise(Scope.make())
    database = await Effect.runPromise(
      Layer.buildWithScope(
        Migrations.layer.pipe(
          Layer.provideMerge(Database.layer),
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url.toString() })))
        ),
        scope
      )
    )
  })
  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    await admin?.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin?.end({ timeout: 5 })
  })

  const stores = () =>
    Layer.mergeAll(PinStore.layer, AnalyticsStore.layer).pipe(Layer.provide(Layer.succeedContext(database)))

  const storedInPostgres: Effect.Effect<Stored> = Effect.promise(async () => {
    const sql = Context.get(database, Database).sql
    const rows = await sql<
      Array<{ unique_id: string; topic: string | null; partition: number | null; offset: string | null }>
    >`
      select unique_id, topic, partition, "offset"::text as "offset" from pins`
    const rejects = await sql<
      Array<{ source: string; topic: string | null; partition: number | null; offset: string | null }>
    >`
      select source, topic, partition, "offset"::text as "offset" from pin_rejects`
    const number = (n: string | null) => (n === null ? null : Number(n))
    return {
      rows: rows.map((r) => ({ ...r, offset: number(r.offset) })),
      rejects: rejects.map((r) => ({ ...r, offset: number(r.offset) }))
    }
  })

  it("a logged time outside years 0001-9999 is one reject in the stream and in the batch, never a failed day", async () => {
    const sql = Context.get(database, Database).sql
    await sql`truncate pins, pin_rejects, daily_category_stats, daily_tag_counts`
    await Effect.runPromise(
      runCase(outOfRangeInstants, PipelineEnv(InMemoryLog.layerPartitions(2), stores()), storedInPostgres)
    )
  })

  it("no request stops, stalls or corrupts a stage; every accepted event ends as one row or one reject", async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (generated) => {
        const sql = Context.get(database, Database).sql
        await sql`truncate pins, pin_rejects, daily_category_stats, daily_tag_counts`
        await Effect.runPromise(
          runCase(generated, PipelineEnv(InMemoryLog.layerPartitions(2), stores()), storedInPostgres)
        )
      }),
      {
        numRuns: Number(process.env.PIPELINE_RUNS ?? 80),
        seed: Number(process.env.PIPELINE_SEED ?? 20261201),
        interruptAfterTimeLimit: 25_000,
        markInterruptAsFailure: false
      }
    )
  }, 60_000)
})
