// Smoke test of the development PostgreSQL through the `postgres` client (the one the product uses).
import { median } from "@pinflow/domain"
import fc from "fast-check"
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"

describeIntegration("PostgreSQL (npm run services)", ["postgres"], (env) => {
  const sql = postgres(env.databaseUrl, { max: 2, onnotice: () => {} })
  const schema = uniqueName("smoke", "_")

  beforeAll(async () => {
    await sql.unsafe(`create schema ${schema}`)
    await sql.unsafe(`create table ${schema}.t (id int primary key, tags text[] not null, at timestamptz not null)`)
  })

  afterAll(async () => {
    await sql.unsafe(`drop schema if exists ${schema} cascade`)
    await sql.end({ timeout: 5 })
  })

  it("answers queries as the pinflow role in the pinflow database", async () => {
    const [row] = await sql<{ user: string; db: string; two: number; createdb: boolean }[]>`
      select current_user as user, current_database() as db, 1 + 1 as two,
             (select rolcreatedb from pg_roles where rolname = current_user) as createdb`
    expect(row).toEqual({ user: "pinflow", db: "pinflow", two: 2, createdb: true })
  })

  it("commits a transaction and rolls one back", async () => {
    const t = sql(`${schema}.t`)
    await sql.begin(async (tx) => {
      await tx`insert into ${t} ${tx([
        { id: 1, tags: ["a", "b"], at: new Date("2026-01-02T03:04:05Z") },
        { id: 2, tags: [], at: new Date("2026-01-02T00:00:00Z") }
      ])}`
    })
    await expect(
      sql.begin(async (tx) => {
        await tx`insert into ${t} ${tx({ id: 3, tags: ["c"], at: new Date() })}`
        await tx`update ${t} set tags = ${sql.array(["changed"])} where id = 1`
        throw new Error("roll back")
      })
    ).rejects.toThrow("roll back")
    // a constraint violation rolls its transaction back too
    await expect(sql`insert into ${t} ${sql({ id: 1, tags: [], at: new Date() })}`).rejects.toMatchObject({
      code: "23505"
    })

    const rows = await sql<{ id: number; tags: string[]; at: Date }[]>`select id, tags, at from ${t} order by id`
    expect(rows.map((r) => ({ id: r.id, tags: r.tags, at: r.at.toISOString() }))).toEqual([
      { id: 1, tags: ["a", "b"], at: "2026-01-02T03:04:05.000Z" },
      { id: 2, tags: [], at: "2026-01-02T00:00:00.000Z" }
    ])
  })

  it("computes percentile_cont(0.5) as the domain's median does (the daily stats' contract)", async () => {
    const postgresMedian = async (values: ReadonlyArray<number>) => {
      const [row] = await sql<{ median: number | null }[]>`
        select percentile_cont(0.5) within group (order by v) as median from unnest(${sql.array([...values])}::bigint[]) as v`
      return row?.median ?? null
    }
    expect(await postgresMedian([1, 7000, 1500, 2000000])).toBe(4250)
    for (const values of [[1, 7000, 1500, 2000000], [7000], [3, 1, 2], [0, 0, 1500, 1501, 7000, 123], []])
      expect(await postgresMedian(values), JSON.stringify(values)).toBe(median(values))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2_000_000_000 }), { maxLength: 40 }), async (values) => {
        expect(await postgresMedian(values)).toBe(median(values))
      }),
      { numRuns: 30 }
    )
  })
})
