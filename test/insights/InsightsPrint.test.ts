/**
 * How `pinflow insights` (and `pinflow sql`, through the same table printer) shows cells: follower counts
 * exact past 2^53, text a terminal would act on shown as escapes, long cells cut at a width.
 */
import { assert, describe, it } from "vitest"
import { insightLines, insightsJson } from "../../packages/cli/src/commands/insights.ts"
import { displayCell, formatTable, maxCellWidth, type StatementResult } from "../../packages/cli/src/SqlTable.ts"

const topUsers = (rows: ReadonlyArray<ReadonlyArray<string | bigint | null>>) => ({
  table: "insight_top_user_by_country" as const,
  columns: ["country", "user_name", "follower_count"],
  rows
})

describe("pinflow insights output", () => {
  it("prints follower counts past 2^53 exactly, in the table and in the JSON", () => {
    const table = topUsers([["Chad", "Ann", 9223372036854775807n]])
    assert.deepStrictEqual(insightLines(table), [
      "The user of each country's most followed pin (insight_top_user_by_country)",
      "country | user_name | follower_count",
      "--------+-----------+--------------------",
      "Chad    | Ann       | 9223372036854775807",
      "(1 row)"
    ])
    assert.strictEqual(
      insightsJson([table]),
      '{"insight_top_user_by_country":[{"country":"Chad","user_name":"Ann","follower_count":9223372036854775807}]}'
    )
  })

  it("shows control characters and bidi overrides as escapes, never raw", () => {
    const name = "Eve\u001b[2J\r\u0007\u0085\u202eX\u2066Y\u007f\nZ\t"
    const [, , , row] = insightLines(topUsers([["Chad", name, 1n]]))
    assert.strictEqual(row, "Chad    | Eve\\u001b[2J\\u000d\\u0007\\u0085\\u202eX\\u2066Y\\u007f\\nZ\\u0009 | 1")
    // the JSON stands for the same text, with every such character escaped too
    const json = insightsJson([topUsers([["Chad", name, 1n]])])
    assert.deepStrictEqual(JSON.parse(json), {
      insight_top_user_by_country: [{ country: "Chad", user_name: name, follower_count: 1 }]
    })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what must not appear
    assert.notMatch(json, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
  })

  it("cuts cells past the width with an ellipsis, counting code points", () => {
    assert.strictEqual(displayCell("x".repeat(maxCellWidth)), "x".repeat(maxCellWidth))
    assert.strictEqual(displayCell("x".repeat(maxCellWidth + 1)), `${"x".repeat(maxCellWidth - 1)}…`)
    assert.strictEqual(displayCell("😀".repeat(maxCellWidth + 5)), `${"😀".repeat(maxCellWidth - 1)}…`)
    const rows = [{ name: "y".repeat(70_000) }]
    const result: StatementResult = Object.assign(rows, { command: "SELECT", count: 1, columns: [{ name: "name" }] })
    const [, rule, line] = formatTable(result)
    assert.strictEqual(line, `${"y".repeat(maxCellWidth - 1)}…`)
    assert.strictEqual(rule, "-".repeat(maxCellWidth))
  })
})
