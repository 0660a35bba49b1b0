/**
 * How the store keeps one event type: its table, key column and columns, each column's value derived
 * from the stored row (the registry's `table` of a type, or `pinTable` for pins with their Kafka
 * coordinates). The writer builds its statements from this list, so a new type needs no store code.
 */

/** The column types the store can send (as array literals, see ArrayLiteral.ts). */
export type SqlType =
  | "text"
  | "bigint"
  | "integer"
  | "double precision"
  | "boolean"
  | "timestamptz"
  | "text[]"
  | "double precision[]"

export interface StoredColumn<Row> {
  readonly name: string
  readonly sqlType: string
  /** The column's value for a row: string, number, boolean, null, or an array for the array types. */
  readonly value: (row: Row) => unknown
}

export interface StoredTable<Row> {
  readonly name: string
  /** The primary key column (one row per key: repeats are versions of the same row). */
  readonly key: string
  readonly columns: ReadonlyArray<StoredColumn<Row>>
  /**
   * The Kafka offset of a row's message when the table does not keep it as a column: it still orders the
   * versions of one key within a batch (rule 9).
   */
  readonly offsetOf?: (row: Row) => number | null
}

/** Rows of one table for one write. */
export interface TableRows<Row = unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: a table of any row type; `rows` matches it by construction
  readonly table: StoredTable<any>
  readonly rows: ReadonlyArray<Row>
}

/** `rows` for `table`, typed together. */
export const tableRows = <Row>(table: StoredTable<Row>, rows: ReadonlyArray<Row>): TableRows<Row> => ({ table, rows })

/**
 * The key Postgres sees: text is sent as UTF-8, where every lone surrogate becomes U+FFFD, so two ids
 * that differ only there are one row (and one upsert may not touch a row twice).
 */
export const storedKey = (id: string): string => (id.isWellFormed() ? id : id.toWellFormed())

/** What rule 9 compares of a row: its key, `ingested_at` and Kafka offset (null when the table has none). */
export interface Versioning<Row> {
  readonly key: (row: Row) => string
  readonly ingestedAt: (row: Row) => string | null
  readonly offset: (row: Row) => number | null
}

const column = <Row>(table: StoredTable<Row>, name: string): StoredColumn<Row> | undefined =>
  table.columns.find((c) => c.name === name)

/** Rule 9's inputs of a table's rows, read through its columns (`ingested_at`, `offset` when present). */
export const versioning = <Row>(table: StoredTable<Row>): Versioning<Row> => {
  const key = column(table, table.key)
  if (key === undefined) throw new Error(`table ${table.name}: key column ${table.key} is not among its columns`)
  const ingested = column(table, "ingested_at")
  const offset = column(table, "offset")
  return {
    key: (row) => storedKey(String(key.value(row))),
    ingestedAt: (row) => (ingested === undefined ? null : ((ingested.value(row) as string | null) ?? null)),
    offset: (row) =>
      offset !== undefined ? ((offset.value(row) as number | null) ?? null) : (table.offsetOf?.(row) ?? null)
  }
}

/**
 * Whether `next` may replace `stored`: the later `ingested_at` wins, then the later offset; rows without
 * `ingested_at` always replace. So replays and out-of-order writers never bring back an older version.
 */
export const supersedesBy =
  <Row>(v: Versioning<Row>) =>
  (next: Row, stored: Row): boolean => {
    const nextAt = v.ingestedAt(next)
    const storedAt = v.ingestedAt(stored)
    if (nextAt === null || storedAt === null) return true
    const a = Date.parse(nextAt)
    const b = Date.parse(storedAt)
    if (Number.isNaN(a) || Number.isNaN(b)) return true
    return a !== b ? a > b : (v.offset(next) ?? -1) >= (v.offset(stored) ?? -1)
  }

/**
 * One row per stored key: the version that supersedes the others wins (rule 9; batch order breaks the
 * remaining ties). Returns `rows` itself when no key repeats.
 */
export const dedupeLastBy = <Row>(v: Versioning<Row>, rows: ReadonlyArray<Row>): ReadonlyArray<Row> => {
  const supersedes = supersedesBy(v)
  const last = new Map<string, Row>()
  for (const row of rows) {
    const key = v.key(row)
    const seen = last.get(key)
    if (seen !== undefined && !supersedes(row, seen)) continue
    last.delete(key)
    last.set(key, row)
  }
  return last.size === rows.length ? rows : [...last.values()]
}

/** A clean row of a registered type with the Kafka coordinates of the message it came from (null: none). */
export interface StoredEvent<Clean = unknown> {
  readonly clean: Clean
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
}

/** The registry's description of a type's table (`EventType.table` of @pinflow/domain). */
export interface EventTable<Clean> {
  readonly name: string
  readonly key: string
  readonly columns: ReadonlyArray<{ readonly name: string; readonly sqlType: string; value(row: Clean): unknown }>
  /** Whether the table also keeps the `topic`, `partition` and `offset` of each row's message. */
  readonly kafkaCoordinates: boolean
}

// biome-ignore lint/suspicious/noExplicitAny: keyed by any registry table
const eventTables = new WeakMap<EventTable<any>, StoredTable<StoredEvent<any>>>()

/**
 * The stored form of a registered type's table: its columns read from `clean`, plus the coordinates when
 * the table keeps them. The same object for the same table, so its statements are built once.
 */
export const storedEventTable = <Clean>(table: EventTable<Clean>): StoredTable<StoredEvent<Clean>> => {
  const known = eventTables.get(table)
  if (known !== undefined) return known as StoredTable<StoredEvent<Clean>>
  const columns: Array<StoredColumn<StoredEvent<Clean>>> = table.columns.map((c) => ({
    name: c.name,
    sqlType: c.sqlType,
    value: (row) => c.value(row.clean)
  }))
  if (table.kafkaCoordinates)
    columns.push(
      { name: "topic", sqlType: "text", value: (row) => row.topic },
      { name: "partition", sqlType: "integer", value: (row) => row.partition },
      { name: "offset", sqlType: "bigint", value: (row) => row.offset }
    )
  const stored: StoredTable<StoredEvent<Clean>> = {
    name: table.name,
    key: table.key,
    columns,
    offsetOf: (row) => row.offset
  }
  eventTables.set(table, stored)
  return stored
}
