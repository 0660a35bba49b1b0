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

/** The widest a displayed cell gets, in code points; longer text ends in "…" (`--json` prints it whole). */
export const maxCellWidth = 80

/**
 * Characters a terminal would act on instead of showing (C0 and C1 controls, DEL) and the bidirectional
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what follows: database text may be
 * anyone's, so each is shown as a visible escape.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are exactly what is escaped
const unsafeChars = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu

const visibleEscape = (char: string): string =>
  char === "\n" ? "\\n" : `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`

/** A cell as displayed: every unsafe character escaped, at most `maxWidth` code points ("…" marks a cut). */
export const displayCell = (text: string, maxWidth: number = maxCellWidth): string => {
  const escaped = text.replace(unsafeChars, visibleEscape)
  const chars = Array.from(escaped)
  return chars.length <= maxWidth ? escaped : `${chars.slice(0, maxWidth - 1).join("")}…`
}

/** Display width in code points (padEnd counts UTF-16 units, which would misalign astral characters). */
const widthOf = (text: string): number => Array.from(text).length

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
  const rows = result.map((row) => names.map((name) => displayCell(cellText(row[name]))))
  const header = names.map((name) => displayCell(name))
  const widths = header.map((name, i) => Math.max(widthOf(name), ...rows.map((cells) => widthOf(cells[i] ?? ""))))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - widthOf(cell))))
      .join(" | ")
      .trimEnd()
  return [
    line(header),
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
