/**
 * `pinflow insights` as a user runs it, on DATABASE_URL with DATABASE_SCHEMA: before the tables exist, one
 * line saying what to run; after a refresh, every insight table printed under its question (or, with
 * --json, one object), and when the last succeeded batch run finished.
 */
import { spawn } from "node:child_process"
import { refreshInsights } from "@pinflow/adapters/AnalyticsStore/Insights"
import { Effect } from "effect"
import postgres from "postgres"
import { afterAll, assert, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { repoRoot } from "../support/sampleData.ts"

const pinflow = (env: Record<string, string | undefined>, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: ReadonlyArray<string>; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["packages/cli/src/bin.ts", ...args], { cwd: repoRoot, env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk)
    })
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk)
    })
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, stdout: stdout.split("\n"), stderr }))
  })

describeIntegration("pinflow insights on DATABASE_URL and DATABASE_SCHEMA", ["postgres"], (env) => {
  const schema = uniqueName("insights_cli", "_")
  const admin = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined, connection: { search_path: schema } })
  afterAll(async () => {
    await admin.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin.end({ timeout: 5 })
  })
  const vars = { ...process.env, DATABASE_URL: env.databaseUrl, DATABASE_SCHEMA: schema, LOG_FORMAT: "json" }

  it("before the tables exist: exit 1 with what to run", async () => {
    await admin.unsafe(`create schema if not exists "${schema}"`)
    const result = await pinflow(vars, ["insights"])
    assert.strictEqual(result.code, 1)
    assert.include(
      result.stdout.join("\n") + result.stderr,
      "this database has no insight tables yet: run `pinflow migrate` (every program also migrates at start), then `pinflow batch run`"
    )
  })

  it("prints every table under its question, and --json the same rows", async () => {
    assert.strictEqual((await pinflow(vars, ["migrate"])).code, 0)
    await admin`insert into pins (unique_id, pin_index, follower_count, media_type, downloaded, save_location, category)
      values ('p1', 1, 10, 'image', true, '/data/art', 'art'), ('p2', 2, 30, 'image', true, '/data/travel', 'travel')`
    await admin`insert into geo_events (ind, event_time, country) values
      (1, '2019-05-01T00:00:00Z', 'Chad'), (2, '2019-06-01T00:00:00Z', 'Chad')`
    await admin`insert into users (ind, user_name, age, date_joined) values
      (1, 'Ann A', 20, '2015-03-01T00:00:00Z'), (2, 'Bob B', 40, '2016-03-01T00:00:00Z')`
    await Effect.runPromise(refreshInsights(admin))
    // a later run that did not refresh (a failure) does not change the time printed: the refresh's own stamp is
    await admin`insert into batch_runs (day, status, started_at, finished_at)
      values ('2026-11-26', 'succeeded', '2999-11-27T00:00:01Z', '2999-11-27T00:00:05Z')`
    const [stamp] = await admin<Array<{ refreshed_at: Date }>>`select refreshed_at from insight_refresh`
    const result = await pinflow(vars, ["insights"])
    assert.deepStrictEqual(
      { code: result.code, stdout: result.stdout },
      {
        code: 0,
        stdout: [
          `As refreshed by the batch run at ${stamp?.refreshed_at.toISOString()}.`,
          "",
          "The most popular category in each country (insight_category_by_country)",
          "country | category | category_count",
          "--------+----------+---------------",
          "Chad    | art      | 1",
          "(1 row)",
          "",
          "The most popular category each year (of the geo event, 2018-2022) (insight_category_by_year)",
          "post_year | category | category_count",
          "----------+----------+---------------",
          "2019      | art      | 1",
          "(1 row)",
          "",
          "The user of each country's most followed pin (insight_top_user_by_country)",
          "country | user_name | follower_count",
          "--------+-----------+---------------",
          "Chad    | Bob B     | 30",
          "(1 row)",
          "",
          "The most popular category in each age group (insight_category_by_age_group)",
          "age_group | category | category_count",
          "----------+----------+---------------",
          "18-24     | art      | 1",
          "36-50     | travel   | 1",
          "(2 rows)",
          "",
          "The median follower count in each age group (insight_median_followers_by_age_group)",
          "age_group | median_follower_count",
          "----------+----------------------",
          "18-24     | 10",
          "36-50     | 30",
          "(2 rows)",
          "",
          "Users who joined each year (2015-2020) (insight_users_joined_by_year)",
          "join_year | number_users_joined",
          "----------+--------------------",
          "2015      | 1",
          "2016      | 1",
          "(2 rows)",
          "",
          "The median follower count by joining year (2015-2020) (insight_median_followers_by_join_year)",
          "join_year | median_follower_count",
          "----------+----------------------",
          "2015      | 10",
          "2016      | 30",
          "(2 rows)",
          "",
          "The median follower count by joining year (2015-2020) and age group (insight_median_followers_by_join_year_and_age_group)",
          "join_year | age_group | median_follower_count",
          "----------+-----------+----------------------",
          "2015      | 18-24     | 10",
          "2016      | 36-50     | 30",
          "(2 rows)",
          ""
        ]
      }
    )
    const json = await pinflow(vars, ["insights", "--json"])
    assert.strictEqual(json.code, 0)
    assert.deepStrictEqual(JSON.parse(json.stdout.join("\n")), {
      insight_category_by_country: [{ country: "Chad", category: "art", category_count: 1 }],
      insight_category_by_year: [{ post_year: 2019, category: "art", category_count: 1 }],
      insight_top_user_by_country: [{ country: "Chad", user_name: "Bob B", follower_count: 30 }],
      insight_category_by_age_group: [
        { age_group: "18-24", category: "art", category_count: 1 },
        { age_group: "36-50", category: "travel", category_count: 1 }
      ],
      insight_median_followers_by_age_group: [
        { age_group: "18-24", median_follower_count: 10 },
        { age_group: "36-50", median_follower_count: 30 }
      ],
      insight_users_joined_by_year: [
        { join_year: 2015, number_users_joined: 1 },
        { join_year: 2016, number_users_joined: 1 }
      ],
      insight_median_followers_by_join_year: [
        { join_year: 2015, median_follower_count: 10 },
        { join_year: 2016, median_follower_count: 30 }
      ],
      insight_median_followers_by_join_year_and_age_group: [
        { join_year: 2015, age_group: "18-24", median_follower_count: 10 },
        { join_year: 2016, age_group: "36-50", median_follower_count: 30 }
      ]
    })
  })
})
