/**
 * The upsert of one table's rows, built from its column list (`StoredTable`): one statement per table
 * and batch, guarded by rule 9 so an older version never replaces a newer one (`ingested_at`, then the
 * Kafka offset when the table keeps it). Two paths, measured by `npm run bench -- stream` on pins:
 * - `unnest`: `INSERT … SELECT FROM unnest($1::text[], …)`: one array parameter per column whatever the
 *   batch size (no 65,535-parameter limit); the only path PGlite over pglite-socket supports;
 * - `copy`: `COPY` into a temporary table, then `INSERT … SELECT … ON CONFLICT`.
 * Every table keeps a `processed_at` (design.md): set by this statement, on insert and on update alike.
 */
import type postgres from "postgres"
import {
  booleanArray,
  nestedNumberArray,
  nestedTextArray,
  numberArray,
  numberArrayLiteral,
  textArray,
  textArrayLiteral
} from "../PinStore/ArrayLiteral.ts"
import type { StoredColumn, StoredTable } from "./Table.ts"

type Kind = "text" | "number" | "boolean" | "text[]" | "number[]"

const numeric = new Set(["bigint", "integer", "smallint", "double precision", "real", "numeric"])

const kindOf = (sqlType: string): Kind =>
  sqlType.endsWith("[]")
    ? numeric.has(sqlType.slice(0, -2))
      ? "number[]"
      : "text[]"
    : numeric.has(sqlType)
      ? "number"
      : sqlType === "boolean"
        ? "boolean"
        : "text"

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** The array literal of one column over the rows (arrays of arrays travel as text[] of literals). */
const literal = <Row>(c: StoredColumn<Row>, rows: ReadonlyArray<Row>): string => {
  switch (kindOf(c.sqlType)) {
    case "number":
      return numberArray(rows, (r) => (c.value(r) as number | null) ?? null)
    case "boolean":
      return booleanArray(rows, (r) => c.value(r) as boolean | null)
    case "text[]":
      return nestedTextArray(rows, (r) => (c.value(r) as ReadonlyArray<string> | null) ?? null)
    case "number[]":
      return nestedNumberArray(rows, (r) => (c.value(r) as ReadonlyArray<number> | null) ?? null)
    case "text": {
      return textArray(rows, (r) => {
        const v = c.value(r)
        return v === null || v === undefined ? null : String(v)
      })
    }
  }
}

/** The array type a column's parameter is sent as. */
const parameterType = (c: StoredColumn<unknown>): string => (c.sqlType.endsWith("[]") ? "text[]" : `${c.sqlType}[]`)

/** `on conflict … do update … where <rule 9>` of a table, and its column list. */
const statementParts = (table: StoredTable<unknown>) => {
  const names = table.columns.map((c) => ident(c.name))
  const has = (name: string) => table.columns.some((c) => c.name === name)
  const t = ident(table.name)
  const offset = has("offset")
  const guard = has("ingested_at")
    ? `where ${t}.ingested_at is null or excluded.ingested_at is null or ${
        offset
          ? `(excluded.ingested_at, coalesce(excluded."offset", -1)) >= (${t}.ingested_at, coalesce(${t}."offset", -1))`
          : `excluded.ingested_at >= ${t}.ingested_at`
      }`
    : ""
  const updates = table.columns
    .filter((c) => c.name !== table.key)
    .map((c) => `${ident(c.name)} = excluded.${ident(c.name)}`)
  const tail = `order by ${ident(table.key)}
on conflict (${ident(table.key)}) do update set ${[...updates, "processed_at = now()"].join(", ")}
${guard}`
  return { names: names.join(", "), tail }
}

const unnestStatements = new WeakMap<StoredTable<unknown>, string>()

/** `insert … select … from unnest($1::…[], …) … on conflict`: built once per table. */
const unnestStatement = (table: StoredTable<unknown>): string => {
  const cached = unnestStatements.get(table)
  if (cached !== undefined) return cached
  const { names, tail } = statementParts(table)
  const selected = table.columns
    .map((c) => (c.sqlType.endsWith("[]") ? `${ident(c.name)}::${c.sqlType}` : ident(c.name)))
    .join(", ")
  const params = table.columns.map((c, i) => `$${i + 1}::${parameterType(c)}`).join(", ")
  const statement = `insert into ${ident(table.name)} (${names}, processed_at)
select ${selected}, now() from unnest(${params}) as t(${names})
${tail}`
  unnestStatements.set(table, statement)
  return statement
}

/**
 * Upserts `rows` (one per key) into `table` with one unnest statement; the rows written. `prepare`: the
 * statement is parsed and planned once per connection, not per batch (small batches of an idle worker pay
 * that per row); off where the server cannot keep prepared statements (PGlite over its socket).
 */
export const upsertUnnest = async <Row>(
  tx: postgres.Sql | postgres.TransactionSql,
  table: StoredTable<Row>,
  rows: ReadonlyArray<Row>,
  prepare = false
): Promise<number> => {
  const params = table.columns.map((c) => literal(c, rows))
  return (await tx.unsafe(unnestStatement(table as StoredTable<unknown>), params, { prepare })).count
}

/** One field in COPY text format: `\N` for NULL, backslash escapes for the separators. */
const copyField = (value: unknown, kind: Kind): string => {
  if (value === null || value === undefined) return "\\N"
  const text =
    kind === "text[]"
      ? textArrayLiteral(value as ReadonlyArray<string>)
      : kind === "number[]"
        ? numberArrayLiteral(value as ReadonlyArray<number>)
        : String(value)
  return typeof value === "string" || kind === "text[]"
    ? text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
    : text
}

/** Upserts `rows` (one per key) into `table` through COPY into a temporary staging table; the rows written. */
export const upsertCopy = async <Row>(
  tx: postgres.TransactionSql,
  table: StoredTable<Row>,
  rows: ReadonlyArray<Row>
): Promise<number> => {
  const { names, tail } = statementParts(table as StoredTable<unknown>)
  const staging = ident(`${table.name}_staging`)
  const kinds = table.columns.map((c) => kindOf(c.sqlType))
  const line = (row: Row) => table.columns.map((c, i) => copyField(c.value(row), kinds[i] as Kind)).join("\t")
  await tx.unsafe(`create temp table if not exists ${staging} (like ${ident(table.name)} including defaults)
    on commit delete rows`)
  const stream = await tx.unsafe(`copy ${staging} (${names}) from stdin`).writable()
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject)
    stream.on("finish", resolve)
    const chunk = 500
    for (let i = 0; i < rows.length; i += chunk)
      stream.write(
        `${rows
          .slice(i, i + chunk)
          .map(line)
          .join("\n")}\n`
      )
    stream.end()
  })
  const insert = `insert into ${ident(table.name)} (${names}, processed_at) select ${names}, now() from ${staging}`
  return (await tx.unsafe(`${insert} ${tail}`)).count
}
