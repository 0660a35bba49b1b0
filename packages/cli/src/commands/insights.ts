/**
 * `pinflow insights [--json]`: the answers to the original course's questions, as the last batch run left
 * them in the `insight_*` tables, one readable table each (or one JSON document). Same database as
 * `pinflow sql`: `DATABASE_URL`, else a running `pinflow start`'s, else `$PINFLOW_HOME/postgres`.
 */
import {
  AnalyticsStore,
  type InsightCell,
  type InsightTable,
  type InsightTableName
} from "@pinflow/adapters/AnalyticsStore"
import { sqlState } from "@pinflow/adapters/DatabaseFailure"
import { stringifyJson } from "@pinflow/domain"
import { Console, Data, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { formatTable, type StatementResult } from "../SqlTable.ts"
import { chooseDatabase } from "./sql.ts"

/** The insight tables could not be read: one line, exit 1. */
export class InsightsUnavailable extends Data.TaggedError("InsightsUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

const json = Flag.Boolean("json").pipe(
  Flag.withDescription("One JSON object: each insight table's name and its rows as objects"),
  Flag.withDefault(false)
)

/** The question each table answers, printed above it. */
const questions: Record<InsightTableName, string> = {
  insight_category_by_country: "The most popular category in each country",
  insight_category_by_year: "The most popular category each year (of the geo event, 2018-2022)",
  insight_top_user_by_country: "The user of each country's most followed pin",
  insight_category_by_age_group: "The most popular category in each age group",
  insight_median_followers_by_age_group: "The median follower count in each age group",
  insight_users_joined_by_year: "Users who joined each year (2015-2020)",
  insight_median_followers_by_join_year: "The median follower count by joining year (2015-2020)",
  insight_median_followers_by_join_year_and_age_group:
    "The median follower count by joining year (2015-2020) and age group"
}

/** A table's lines: its question and name, then the rows as `pinflow sql` prints them. */
export const insightLines = (table: InsightTable): ReadonlyArray<string> => {
  const rows = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? null])))
  const result: StatementResult = Object.assign(rows, {
    command: "SELECT",
    count: rows.length,
    columns: table.columns.map((name) => ({ name }))
  })
  return [`${questions[table.table]} (${table.table})`, ...formatTable(result)]
}

/**
 * What JSON.stringify leaves raw that a terminal would act on: DEL, the C1 controls and the bidirectional
 * overrides and isolates (it escapes C0 itself). Escaped, the JSON text stands for the same value.
 */
const rawInJson = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** A cell as JSON text: a bigint as its exact digits (JSON numbers have no size limit; doubles would round). */
const cellJson = (cell: InsightCell): string =>
  typeof cell === "bigint"
    ? cell.toString()
    : stringifyJson(cell).replace(rawInJson, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** Every table as `{ "<table>": [{column: value, …}, …], … }`, follower counts exact. */
export const insightsJson = (tables: ReadonlyArray<InsightTable>): string => {
  const row = (t: InsightTable, cells: ReadonlyArray<InsightCell>) =>
    `{${t.columns.map((c, i) => `${stringifyJson(c)}:${cellJson(cells[i] ?? null)}`).join(",")}}`
  return `{${tables.map((t) => `${stringifyJson(t.table)}:[${t.rows.map((cells) => row(t, cells)).join(",")}]`).join(",")}}`
}

const read = Effect.gen(function* () {
  const store = yield* AnalyticsStore
  return yield* store.insights.pipe(
    Effect.mapError(
      (error) =>
        new InsightsUnavailable({
          message:
            sqlState(error.cause) === "42P01"
              ? "this database has no insight tables yet: run `pinflow migrate` (every program also migrates at start), then `pinflow batch run`"
              : error.message,
          cause: error
        })
    )
  )
})

export const insights = Command.make("insights", { json }, (input) =>
  Effect.gen(function* () {
    const database = yield* chooseDatabase
    const { tables, refreshedAt } = yield* read.pipe(Effect.provide(AnalyticsStore.layer), Effect.provide(database))
    if (input.json) return yield* Console.log(insightsJson(tables))
    yield* Console.log(
      refreshedAt === null
        ? "No batch run has refreshed the insights on this database yet: each one does (`pinflow batch run`)."
        : `As refreshed by the batch run at ${refreshedAt.toISOString()}.`
    )
    for (const table of tables) yield* Console.log(["", ...insightLines(table)].join("\n"))
  })
).pipe(
  Command.withDescription(
    "Print the insight tables every batch run refreshes from pins, geo_events and users (the original course's questions: popular categories per country, year and age group, top users, median follower counts, users joined per year), as tables or, with --json, one JSON object. The database is chosen like `pinflow sql`'s: DATABASE_URL, else a running `pinflow start`'s, else $PINFLOW_HOME/postgres."
  ),
  Command.withExamples([
    { command: "pinflow insights", description: "Every insight table" },
    { command: "pinflow insights --json", description: "The same as one JSON object" }
  ])
)
