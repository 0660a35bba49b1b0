/** `pinflow sql`'s pure parts: where statements split, and how a result prints. */
import { assert, describe, it } from "vitest"
import { splitStatements } from "../../packages/cli/src/SqlStatements.ts"
import { formatJsonLines, formatTable, type StatementResult } from "../../packages/cli/src/SqlTable.ts"

const result = (
  rows: ReadonlyArray<Record<string, unknown>>,
  command: string,
  columns: ReadonlyArray<string> | null,
  count: number | null = rows.length
): StatementResult => Object.assign([...rows], { command, count, columns: columns?.map((name) => ({ name })) ?? null })

describe("splitStatements", () => {
  it("splits at top-level semicolons only", () => {
    assert.deepStrictEqual(
      splitStatements(
        "select 'a;b', \"c;d\" from t; select $$x;y$$, $f$ $$; $f$ -- c;\n; /* e; */ select 1;; select 2"
      ),
      {
        statements: ["select 'a;b', \"c;d\" from t", "select $$x;y$$, $f$ $$; $f$ -- c;", "/* e; */ select 1"],
        rest: "select 2"
      }
    )
  })

  it("keeps an unfinished quote, comment or dollar body as the rest", () => {
    assert.deepStrictEqual(splitStatements("select 1; select 'a;"), { statements: ["select 1"], rest: "select 'a;" })
    assert.deepStrictEqual(splitStatements("select $$a;"), { statements: [], rest: "select $$a;" })
    assert.deepStrictEqual(splitStatements("select 1 /* ;"), { statements: [], rest: "select 1 /* ;" })
  })

  it("reads a doubled quote inside a string, a parameter and a $ inside a name as text", () => {
    assert.deepStrictEqual(splitStatements("select 'it''s;' as a$b$c, $1; x"), {
      statements: ["select 'it''s;' as a$b$c, $1"],
      rest: "x"
    })
  })
})

describe("formatTable", () => {
  it("aligns columns, prints NULL empty, JSON for objects, ISO for timestamps, and counts rows", () => {
    const rows = [
      { id: 1, title: "a", tags: ["x", "y"], at: new Date("2026-11-30T10:00:00Z") },
      { id: 22, title: null, tags: [], at: null }
    ]
    assert.deepStrictEqual(formatTable(result(rows, "SELECT", ["id", "title", "tags", "at"])), [
      "id | title | tags      | at",
      "---+-------+-----------+-------------------------",
      '1  | a     | ["x","y"] | 2026-11-30T10:00:00.000Z',
      "22 |       | []        |",
      "(2 rows)"
    ])
  })

  it("prints a statement without columns as its tag and count", () => {
    assert.deepStrictEqual(formatTable(result([], "INSERT", null, 3)), ["INSERT 3"])
    assert.deepStrictEqual(formatTable(result([], "CREATE TABLE", null, null)), ["CREATE TABLE"])
    assert.deepStrictEqual(formatTable(result([], "SELECT", ["n"])), ["n", "-", "(0 rows)"])
  })
})

describe("formatJsonLines", () => {
  it("prints one object per row, or the tag and count", () => {
    assert.deepStrictEqual(formatJsonLines(result([{ n: "3", t: null }], "SELECT", ["n", "t"])), ['{"n":"3","t":null}'])
    assert.deepStrictEqual(formatJsonLines(result([], "DELETE", null, 2)), ['{"command":"DELETE","count":2}'])
  })
})
