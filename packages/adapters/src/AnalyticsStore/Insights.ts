/**
 * The insight tables of design.md over `pins` ⋈ `geo_events` / `users` (`pin_index = ind`): refreshed in one
 * repeatable-read transaction, read back from one snapshot; the rules are listed at `definitions`.
 */
import { noCategory } from "@pinflow/domain"
import { Duration, Effect } from "effect"
import type postgres from "postgres"
import { AnalyticsStoreError } from "./AnalyticsStoreError.ts"

export type InsightTableName =
  | "insight_category_by_country"
  | "insight_category_by_year"
  | "insight_top_user_by_country"
  | "insight_category_by_age_group"
  | "insight_median_followers_by_age_group"
  | "insight_users_joined_by_year"
  | "insight_median_followers_by_join_year"
  | "insight_median_followers_by_join_year_and_age_group"

/**
 * A cell: text, a number (counts, years, medians), a bigint (a follower count: a `bigint` column, past
 * 2^53 a number would round), or null (a user without a name).
 */
export type InsightCell = string | number | bigint | null

/** One insight table as read: its columns and its rows in a stable order (each row a cell per column). */
export interface InsightTable {
  readonly table: InsightTableName
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<InsightCell>>
}

/** Every insight table as one refresh left them, and when that refresh committed (null: never refreshed). */
export interface InsightsSnapshot {
  readonly refreshedAt: Date | null
  readonly tables: ReadonlyArray<InsightTable>
}

/** Rows written per table by one refresh. */
export type InsightsRefreshed = Readonly<Record<InsightTableName, number>>

/** The age groups, in reading order. */
export const ageGroups = ["18-24", "25-35", "36-50", "+50"] as const

const none = `'${noCategory.replaceAll("'", "''")}'`
const category = `coalesce(category, ${none})`
const ageGroup = `case when age between 18 and 24 then '18-24' when age between 25 and 35 then '25-35'
  when age between 36 and 50 then '36-50' when age > 50 then '+50' end`
const utcYear = (column: string) => `extract(year from ${column} at time zone 'UTC')::integer`
const postYear = utcYear("event_time")
const joinYear = utcYear("date_joined")

/**
 * The pins that join a geo event or a user, with the columns the insights read: the joins are done once
 * per refresh instead of once per table. The inner join on the keys first: without geo or user rows the
 * pins are not even read.
 */
const joinOnce = `create temporary table insight_joined on commit drop as
  select p.category, p.follower_count,
    g.ind is not null as has_geo, g.event_time, g.country,
    u.ind is not null as has_user, u.user_name, u.age, u.date_joined
  from pins p
  join (select ind from geo_events union select ind from users) keyed on keyed.ind = p.pin_index
  left join geo_events g on g.ind = p.pin_index
  left join users u on u.ind = p.pin_index`
const joined = "insight_joined"
const hasGeo = "has_geo"
const hasUser = "has_user"
const ageOrder = `array_position(array[${ageGroups.map((g) => `'${g}'`).join(", ")}]::text[], age_group)`

/** Per non-null `key`, the category with the most joined rows where `predicate` holds (ties: the smaller one). */
const mostPopular = (key: string, predicate: string) => `
  select distinct on (key) key, category, category_count from (
    select ${key} as key, ${category} as category, count(*) as category_count from ${joined}
    where ${predicate} group by 1, 2
  ) counted where key is not null
  order by key, category_count desc, category collate "C"`

/** Per group (`keys`, none null), the median known follower count of the joined rows where `predicate` holds. */
const medianFollowers = (keys: ReadonlyArray<string>, predicate: string) => {
  const names = keys.map((_, i) => `k${i}`)
  return `
  select ${names.join(", ")}, percentile_cont(0.5) within group (order by follower_count) from (
    select ${keys.map((k, i) => `${k} as k${i}`).join(", ")}, follower_count from ${joined}
    where ${predicate} and follower_count is not null
  ) known where ${names.map((n) => `${n} is not null`).join(" and ")}
  group by ${names.join(", ")}`
}

interface Definition {
  readonly table: InsightTableName
  readonly columns: ReadonlyArray<string>
  /** Columns read back as numbers (counts, years, medians: exact as doubles; bigint arrives as text). */
  readonly numeric: ReadonlyArray<string>
  /** Columns read back as bigints (follower counts may pass 2^53). */
  readonly exact?: ReadonlyArray<string>
  /** The rows, one per group, in `columns` order. */
  readonly select: string
  readonly order: string
}

/**
 * Rules:
 * - "most popular" = most pins; ties go to the smaller name in code-point order (`collate "C"`, the same
 *   on every server); one row per group;
 * - medians are `percentile_cont(0.5)` over known follower counts; a group without any has no row;
 * - age groups `18-24`, `25-35`, `36-50`, `+50`: a user younger than 18 is in none, so is left out of the
 *   age-group tables (and counted everywhere else);
 * - years are UTC; post years 2018–2022 (of the geo `event_time`), join years 2015–2020 (`date_joined`);
 * - a pin without a category is grouped as `(none)` like the daily tables' empty category; a geo event
 *   without a country is in no per-country row (a real country may be named "(none)");
 * - the top user of a country is the user of its pin with the most followers; ties go to the smaller
 *   user name (code-point order), a user without a name last.
 */
const definitions: ReadonlyArray<Definition> = [
  {
    table: "insight_category_by_country",
    columns: ["country", "category", "category_count"],
    numeric: ["category_count"],
    select: mostPopular("country", hasGeo),
    order: `country collate "C"`
  },
  {
    table: "insight_category_by_year",
    columns: ["post_year", "category", "category_count"],
    numeric: ["post_year", "category_count"],
    select: mostPopular(`case when ${postYear} between 2018 and 2022 then ${postYear} end`, hasGeo),
    order: "post_year"
  },
  {
    table: "insight_top_user_by_country",
    columns: ["country", "user_name", "follower_count"],
    numeric: [],
    exact: ["follower_count"],
    select: `
  select distinct on (country) country, user_name, follower_count from ${joined}
  where ${hasGeo} and ${hasUser} and country is not null and follower_count is not null
  order by country, follower_count desc, user_name collate "C" nulls last`,
    order: `country collate "C"`
  },
  {
    table: "insight_category_by_age_group",
    columns: ["age_group", "category", "category_count"],
    numeric: ["category_count"],
    select: mostPopular(ageGroup, hasUser),
    order: ageOrder
  },
  {
    table: "insight_median_followers_by_age_group",
    columns: ["age_group", "median_follower_count"],
    numeric: ["median_follower_count"],
    select: medianFollowers([ageGroup], hasUser),
    order: ageOrder
  },
  {
    table: "insight_users_joined_by_year",
    columns: ["join_year", "number_users_joined"],
    numeric: ["join_year", "number_users_joined"],
    // rows of users, joined to a pin or not (design.md)
    select: `
  select ${joinYear}, count(*) from users where ${joinYear} between 2015 and 2020 group by 1`,
    order: "join_year"
  },
  {
    table: "insight_median_followers_by_join_year",
    columns: ["join_year", "median_follower_count"],
    numeric: ["join_year", "median_follower_count"],
    select: medianFollowers([`case when ${joinYear} between 2015 and 2020 then ${joinYear} end`], hasUser),
    order: "join_year"
  },
  {
    table: "insight_median_followers_by_join_year_and_age_group",
    columns: ["join_year", "age_group", "median_follower_count"],
    numeric: ["join_year", "median_follower_count"],
    select: medianFollowers([`case when ${joinYear} between 2015 and 2020 then ${joinYear} end`, ageGroup], hasUser),
    order: `join_year, ${ageOrder}`
  }
]

/** Every insight table's name and columns, in the order they are refreshed and printed. */
export const insightTables: ReadonlyArray<Pick<InsightTable, "table" | "columns">> = definitions.map(
  ({ table, columns }) => ({ table, columns })
)

/** The refresh's statement deadline when no setting gives one (`BATCH_INSIGHTS_TIMEOUT`). */
export const defaultRefreshTimeout = Duration.minutes(30)

/**
 * Replaces every insight table in one transaction and stamps `insight_refresh` in it; returns the rows
 * written per table. Aggregates of clean tables into columns of the same types: no row can be refused for
 * its content, so a failure is the database's (an outage, a timeout) and leaves the previous insights.
 * The joins read every pin: with millions of rows that outlasts an ordinary statement's deadline, and a
 * timeout (57014) would look like an outage, retried as the batch's schedule retries any failure.
 */
export const refreshInsights = (
  sql: postgres.Sql,
  timeout: Duration.Duration = defaultRefreshTimeout
): Effect.Effect<InsightsRefreshed, AnalyticsStoreError> =>
  Effect.tryPromise({
    try: () =>
      sql.begin("isolation level repeatable read", async (tx) => {
        await tx`select set_config('statement_timeout', ${`${Duration.toMillis(timeout)}ms`}, true)`
        await tx.unsafe(joinOnce)
        const written: Partial<Record<InsightTableName, number>> = {}
        for (const d of definitions) {
          await tx.unsafe(`delete from ${d.table}`)
          const inserted = await tx.unsafe(`insert into ${d.table} (${d.columns.join(", ")}) ${d.select}`)
          written[d.table] = inserted.count
        }
        // now() is the transaction's start: the snapshot every table was computed from
        await tx`insert into insight_refresh (refreshed_at) values (now())
          on conflict (singleton) do update set refreshed_at = excluded.refreshed_at`
        return written as InsightsRefreshed
      }),
    catch: (cause) => new AnalyticsStoreError({ operation: "refresh insights", cause })
  })

const cell = (value: unknown, d: Definition, column: string): InsightCell => {
  if (value === null || value === undefined) return null
  if (d.exact?.includes(column) === true) return BigInt(String(value))
  return d.numeric.includes(column) ? Number(value) : String(value)
}

/** Every insight table with its rows, in `insightTables` order, and when they were refreshed. */
export const readInsights = (sql: postgres.Sql): Effect.Effect<InsightsSnapshot, AnalyticsStoreError> =>
  Effect.tryPromise({
    try: () =>
      // one snapshot, so the tables and the refresh time answer from the same refresh
      sql.begin("isolation level repeatable read read only", async (tx) => {
        const tables: Array<InsightTable> = []
        for (const d of definitions) {
          const rows = await tx.unsafe(`select ${d.columns.join(", ")} from ${d.table} order by ${d.order}`)
          tables.push({
            table: d.table,
            columns: d.columns,
            rows: rows.map((row) => d.columns.map((c) => cell(row[c], d, c)))
          })
        }
        const [stamp] = await tx<Array<{ refreshed_at: Date }>>`select refreshed_at from insight_refresh`
        return { refreshedAt: stamp?.refreshed_at ?? null, tables }
      }),
    catch: (cause) => new AnalyticsStoreError({ operation: "read insights", cause })
  })
