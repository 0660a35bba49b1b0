/**
 * The insight tables of design.md ("Geo and user events", Insights): the original course's questions,
 * answered over `pins` ⋈ `geo_events` and `pins` ⋈ `users` on `pins.pin_index = ind`. Rules:
 * - "most popular" = most pins; ties go to the smaller name in code-point order (`collate "C"`, the same
 *   on every server); one row per group;
 * - medians are `percentile_cont(0.5)` over known follower counts; a group without any has no row;
 * - age groups `18-24`, `25-35`, `36-50`, `+50`: a user younger than 18 is in none, so is left out of the
 *   age-group tables (and counted everywhere else);
 * - years are UTC; post years 2018–2022 (of the geo `event_time`), join years 2015–2020 (`date_joined`);
 * - a pin without a category, or a geo event without a country, is grouped as `(none)` like the daily
 *   tables' empty category;
 * - the top user of a country is the user of its pin with the most followers; ties go to the smaller
 *   user name (code-point order), a user without a name last.
 * A refresh joins once (into a temporary table), then replaces every table, in one repeatable-read
 * transaction: all of them are computed from one snapshot while the stream worker writes, and a failure
 * leaves the previous insights whole.
 */
import { noCategory } from "@pinflow/domain"
import { Effect } from "effect"
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

/** A cell: text, a number (counts, years, medians), or null (a user without a name). */
export type InsightCell = string | number | null

/** One insight table as read: its columns and its rows in a stable order (each row a cell per column). */
export interface InsightTable {
  readonly table: InsightTableName
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<InsightCell>>
}

/** Rows written per table by one refresh. */
export type InsightsRefreshed = Readonly<Record<InsightTableName, number>>

/** The age groups, in reading order. */
export const ageGroups = ["18-24", "25-35", "36-50", "+50"] as const

const none = `'${noCategory.replaceAll("'", "''")}'`
const category = `coalesce(category, ${none})`
const country = `coalesce(country, ${none})`
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
const pinsGeo = "insight_joined where has_geo"
const pinsUsers = "insight_joined where has_user"
const ageOrder = `array_position(array[${ageGroups.map((g) => `'${g}'`).join(", ")}]::text[], age_group)`

/** Per non-null `key`, the category with the most pins of `from` (ties: the smaller category). */
const mostPopular = (key: string, from: string) => `
  select distinct on (key) key, category, category_count from (
    select ${key} as key, ${category} as category, count(*) as category_count from ${from} group by 1, 2
  ) counted where key is not null
  order by key, category_count desc, category collate "C"`

/** The median of the known follower counts of `from` per group (`keys`: expressions, none null). */
const medianFollowers = (keys: ReadonlyArray<string>, from: string) => {
  const names = keys.map((_, i) => `k${i}`)
  return `
  select ${names.join(", ")}, percentile_cont(0.5) within group (order by follower_count) from (
    select ${keys.map((k, i) => `${k} as k${i}`).join(", ")}, follower_count from ${from}
    and follower_count is not null
  ) known where ${names.map((n) => `${n} is not null`).join(" and ")}
  group by ${names.join(", ")}`
}

interface Definition {
  readonly table: InsightTableName
  readonly columns: ReadonlyArray<string>
  /** Columns read back as numbers (bigint arrives as text). */
  readonly numeric: ReadonlyArray<string>
  /** The rows, one per group, in `columns` order. */
  readonly select: string
  readonly order: string
}

const definitions: ReadonlyArray<Definition> = [
  {
    table: "insight_category_by_country",
    columns: ["country", "category", "category_count"],
    numeric: ["category_count"],
    select: mostPopular(country, pinsGeo),
    order: `country collate "C"`
  },
  {
    table: "insight_category_by_year",
    columns: ["post_year", "category", "category_count"],
    numeric: ["post_year", "category_count"],
    select: mostPopular(`case when ${postYear} between 2018 and 2022 then ${postYear} end`, pinsGeo),
    order: "post_year"
  },
  {
    table: "insight_top_user_by_country",
    columns: ["country", "user_name", "follower_count"],
    numeric: ["follower_count"],
    select: `
  select distinct on (country) country, user_name, follower_count from (
    select ${country} as country, user_name, follower_count
    from insight_joined where has_geo and has_user and follower_count is not null
  ) known order by country, follower_count desc, user_name collate "C" nulls last`,
    order: `country collate "C"`
  },
  {
    table: "insight_category_by_age_group",
    columns: ["age_group", "category", "category_count"],
    numeric: ["category_count"],
    select: mostPopular(ageGroup, pinsUsers),
    order: ageOrder
  },
  {
    table: "insight_median_followers_by_age_group",
    columns: ["age_group", "median_follower_count"],
    numeric: ["median_follower_count"],
    select: medianFollowers([ageGroup], pinsUsers),
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
    select: medianFollowers([`case when ${joinYear} between 2015 and 2020 then ${joinYear} end`], pinsUsers),
    order: "join_year"
  },
  {
    table: "insight_median_followers_by_join_year_and_age_group",
    columns: ["join_year", "age_group", "median_follower_count"],
    numeric: ["join_year", "median_follower_count"],
    select: medianFollowers([`case when ${joinYear} between 2015 and 2020 then ${joinYear} end`, ageGroup], pinsUsers),
    order: `join_year, ${ageOrder}`
  }
]

/** Every insight table's name and columns, in the order they are refreshed and printed. */
export const insightTables: ReadonlyArray<Pick<InsightTable, "table" | "columns">> = definitions.map(
  ({ table, columns }) => ({ table, columns })
)

/**
 * The joins read every pin several times: with millions of rows that can outlast an ordinary statement's
 * deadline, and a timeout (57014) would look like an outage and be retried for ever.
 */
const refreshTimeout = "30min"

/**
 * Replaces every insight table in one transaction; returns the rows written per table. Aggregates of clean
 * tables into columns of the same types: no row can be refused for its content, so a failure is the
 * database's (an outage, a timeout) and leaves the previous insights.
 */
export const refreshInsights = (sql: postgres.Sql): Effect.Effect<InsightsRefreshed, AnalyticsStoreError> =>
  Effect.tryPromise({
    try: () =>
      sql.begin("isolation level repeatable read", async (tx) => {
        await tx`select set_config('statement_timeout', ${refreshTimeout}, true)`
        await tx.unsafe(joinOnce)
        const written: Partial<Record<InsightTableName, number>> = {}
        for (const d of definitions) {
          await tx.unsafe(`delete from ${d.table}`)
          const inserted = await tx.unsafe(`insert into ${d.table} (${d.columns.join(", ")}) ${d.select}`)
          written[d.table] = inserted.count
        }
        return written as InsightsRefreshed
      }),
    catch: (cause) => new AnalyticsStoreError({ operation: "refresh insights", cause })
  })

const cell = (value: unknown, numeric: boolean): InsightCell =>
  value === null || value === undefined ? null : numeric ? Number(value) : String(value)

/** Every insight table with its rows, in `insightTables` order. */
export const readInsights = (sql: postgres.Sql): Effect.Effect<ReadonlyArray<InsightTable>, AnalyticsStoreError> =>
  Effect.tryPromise({
    try: () =>
      // one snapshot, so the tables answer from the same refresh
      sql.begin("isolation level repeatable read read only", async (tx) => {
        const tables: Array<InsightTable> = []
        for (const d of definitions) {
          const rows = await tx.unsafe(`select ${d.columns.join(", ")} from ${d.table} order by ${d.order}`)
          tables.push({
            table: d.table,
            columns: d.columns,
            rows: rows.map((row) => d.columns.map((c) => cell(row[c], d.numeric.includes(c))))
          })
        }
        return tables
      }),
    catch: (cause) => new AnalyticsStoreError({ operation: "read insights", cause })
  })
