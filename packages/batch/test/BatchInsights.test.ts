// A batch run ends by refreshing the insight tables from the rows the stream worker landed, on the
// embedded PGlite that `pinflow start`'s batch uses (the refresh's own rules: adapters' Insights tests).
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { AnalyticsMemory, AnalyticsStore, Database, EmbeddedDatabase, Migrations } from "@pinflow/adapters"
import { Effect, Layer } from "effect"
import { runDay } from "../src/BatchRun.ts"
import { D, envWith } from "./fixtures.ts"

describe("batch run: insights", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "pinflow-batch-insights-")), "pg")
  const analytics = AnalyticsStore.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(EmbeddedDatabase.layer(dir)),
    Layer.orDie,
    // envWith's type asks for the memory handle too; unused here
    Layer.merge(Layer.sync(AnalyticsMemory, () => ({ days: new Map(), runs: [], rejects: [], landed: new Map() })))
  )

  it.live(
    "a run refreshes every insight table from pins, geo_events and users (any day's rows), and times it",
    () =>
      Effect.gen(function* () {
        const { sql } = yield* Database
        yield* Effect.promise(async () => {
          await sql`insert into pins (unique_id, pin_index, follower_count, media_type, downloaded, save_location, category)
            values ('p1', 1, 10, 'image', true, '/data/art', 'art'), ('p2', 2, 30, 'image', true, '/data/travel', 'travel'),
                   ('p3', 3, 20, 'video', false, '/data/art', 'art')`
          await sql`insert into geo_events (ind, event_time, country) values
            (1, '2019-05-01T00:00:00Z', 'Chad'), (2, '2019-06-01T00:00:00Z', 'Chad'), (3, '2021-01-01T00:00:00Z', 'Peru')`
          await sql`insert into users (ind, user_name, age, date_joined) values
            (1, 'Ann A', 20, '2015-03-01T00:00:00Z'), (2, 'Bob B', 40, '2016-03-01T00:00:00Z'),
            (3, 'Cy C', 22, '2015-09-01T00:00:00Z')`
        })
        yield* runDay(D)
        const store = yield* AnalyticsStore
        const tables = Object.fromEntries((yield* store.insights).tables.map((t) => [t.table, t.rows]))
        // by hand: Chad has one art (10) and one travel (30) pin → the smaller name; its top pin is Bob's
        assert.deepStrictEqual(tables, {
          insight_category_by_country: [
            ["Chad", "art", 1],
            ["Peru", "art", 1]
          ],
          insight_category_by_year: [
            [2019, "art", 1],
            [2021, "art", 1]
          ],
          insight_top_user_by_country: [
            ["Chad", "Bob B", 30n],
            ["Peru", "Cy C", 20n]
          ],
          insight_category_by_age_group: [
            ["18-24", "art", 2],
            ["36-50", "travel", 1]
          ],
          insight_median_followers_by_age_group: [
            ["18-24", 15],
            ["36-50", 30]
          ],
          insight_users_joined_by_year: [
            [2015, 2],
            [2016, 1]
          ],
          insight_median_followers_by_join_year: [
            [2015, 15],
            [2016, 30]
          ],
          insight_median_followers_by_join_year_and_age_group: [
            [2015, "18-24", 15],
            [2016, "36-50", 30]
          ]
        })
        const [run] = yield* store.runs(1)
        assert.strictEqual(run?.status, "succeeded")
        assert.strictEqual(typeof run?.counts.insights_ms, "number")
      }).pipe(Effect.provide(envWith(analytics))),
    120_000
  )
})
