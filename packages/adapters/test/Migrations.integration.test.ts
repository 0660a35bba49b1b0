import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { Database } from "../src/Database.ts"
import { runMigrations } from "../src/Migrations.ts"
import { migrations } from "../src/migrations/index.ts"
import { createSchema, dropSchema, query } from "./DatabaseSchema.ts"

describeIntegration("Migrations on PostgreSQL", ["postgres"], (env) => {
  const schema = uniqueName("migrations", "_")
  let url = ""
  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
  })
  afterAll(() => dropSchema(env.databaseUrl, schema))

  const database = () =>
    Database.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url }))))

  it.live("workers starting together apply each migration once, then find the schema current", () =>
    Effect.gen(function* () {
      const reports = yield* Effect.all(
        [1, 2, 3, 4].map(() => runMigrations().pipe(Effect.provide(database()))),
        { concurrency: "unbounded" }
      )
      const latest = migrations.at(-1)?.version ?? 0
      const applied = reports.flatMap((r) => r.applied).sort((a, b) => a - b)
      assert.deepStrictEqual(
        applied,
        migrations.map((m) => m.version)
      )
      assert.deepStrictEqual(
        reports.map((r) => r.version),
        [latest, latest, latest, latest]
      )
      const again = yield* runMigrations().pipe(Effect.provide(database()))
      assert.deepStrictEqual(again.applied, [])
      const tables = yield* query(
        (sql) =>
          sql`select table_name from information_schema.tables where table_schema = ${schema} order by table_name`
      ).pipe(Effect.provide(database()))
      assert.deepStrictEqual(
        tables.map((t) => t.table_name),
        [
          "batch_runs",
          "batch_staged_pins",
          "daily_category_stats",
          "daily_tag_counts",
          "geo_events",
          "insight_category_by_age_group",
          "insight_category_by_country",
          "insight_category_by_year",
          "insight_median_followers_by_age_group",
          "insight_median_followers_by_join_year",
          "insight_median_followers_by_join_year_and_age_group",
          "insight_refresh",
          "insight_top_user_by_country",
          "insight_users_joined_by_year",
          "pin_rejects",
          "pinflow_migrations",
          "pins",
          "users"
        ]
      )
    })
  )

  it.live("a failing migration is rolled back whole and named in the error", () =>
    Effect.gen(function* () {
      const broken = [
        ...migrations,
        { version: 900, name: "ok", sql: "create table m900 (id int)" },
        { version: 901, name: "broken", sql: "create table m901 (id int); select * from no_such_table" }
      ]
      const error = yield* runMigrations(broken).pipe(Effect.provide(database()), Effect.flip)
      assert.strictEqual(error._tag === "MigrationError" ? error.version : null, 901)
      assert.include(error.message, "migration 901 failed")
      const m900 = yield* query((sql) => sql`select to_regclass('m900') as t`).pipe(Effect.provide(database()))
      assert.strictEqual(m900[0]?.t, null)
    })
  )
})
