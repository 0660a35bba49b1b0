/**
 * How `pinflow sql` prints a statement's result: an aligned text table with a row count (like psql), or
 * one JSON object per row (`--json`), or the command tag and count for a statement without rows.
 */
import { stringifyJson } from "@pinflow/domain"

/** One statement's outcome as postgres.js hands it back: rows plus the `command`, `count` and `columns`. */
export interface StatementResult extends ReadonlyArray<Record<string, unknown>> {
  readonly command: string
  readonly count: number | null
  readonly columns?: ReadonlyArray<{ readonly name: string }> | null
}

/** A cell as text: NULL empty (psql's default), timestamps in ISO, objects and arrays as JSON. */
export const cellText = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString()
  if (typeof value === "object") return stringifyJson(value)
  return String(value)
}

const columnNames = (result: StatementResult): ReadonlyArray<string> =>
  result.columns?.map((c) => c.name) ?? Object.keys(result[0] ?? {})

/** A statement that returns no columns (INSERT, CREATE, …): its tag and row count, e.g. "INSERT 3". */
const commandLine = (result: StatementResult): string =>
  result.count === null || result.count === undefined ? result.command : `${result.command} ${result.count}`

/** The result as text lines: header, rule, rows, "(N rows)"; a statement without columns as its tag. */
export const formatTable = (result: StatementResult): ReadonlyArray<string> => {
  const names = columnNames(result)
  if (names.length === 0) return [commandLine(result)]
  // rows are read by position: a query may name two columns alike
  const rows = result.map((row) => names.map((name) => cellText(row[name]).replaceAll("\n", "\\n")))
  const widths = names.map((name, i) => Math.max(name.length, ...rows.map((cells) => cells[i]?.length ?? 0)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(" | ")
      .trimEnd()
  return [
    line(names),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...rows.map(line),
    `(${result.length} row${result.length === 1 ? "" : "s"})`
  ]
}

/** One JSON object per row (timestamps in ISO); a statement without columns as `{"command":…,"count":…}`. */
export const formatJsonLines = (result: StatementResult): ReadonlyArray<string> =>
  columnNames(result).length === 0
    ? [stringifyJson({ command: result.command, count: result.count })]
    : result.map((row) => stringifyJson(row))
