/**
 * `PinStore` on the `postgres` client. One transaction per batch: each table's rows upserted on its key
 * in one statement (guarded so an older version never replaces a newer one, see EventStore/Upsert.ts)
 * and the rejects inserted once per message, with their `event_type`. A batch that needs one statement
 * sends it alone, as its own transaction.
 */
import { Duration, Effect } from "effect"
import type postgres from "postgres"
import { pinTable } from "../EventStore/PinTable.ts"
import { dedupeLastBy, type StoredTable, type TableRows, versioning } from "../EventStore/Table.ts"
import { upsertCopy, upsertUnnest } from "../EventStore/Upsert.ts"
import {
  countWritten,
  dedupeLast,
  eventTypeOfTable,
  isConnectivityError,
  nothingWritten,
  PinStoreError,
  type RejectRow,
  type TypeWritten,
  type WriteBatch,
  type WriteResult
} from "./Types.ts"

export type WriteMethod = "unnest" | "copy"

const insertRejects = (tx: postgres.Sql | postgres.TransactionSql, rejects: ReadonlyArray<RejectRow>) =>
  tx`insert into pin_rejects (event_type, reason, detail, unique_id, raw, source, topic, partition, "offset", rejected_at)
    select * from unnest(
      ${tx.array(rejects.map((r) => r.event_type ?? "pin"))}::text[],
      ${tx.array(rejects.map((r) => r.reason))}::text[], ${tx.array(rejects.map((r) => r.detail))}::text[],
      ${tx.array(rejects.map((r) => r.unique_id))}::text[], ${tx.array(rejects.map((r) => r.raw))}::text[],
      ${tx.array(rejects.map((r) => r.source))}::text[], ${tx.array(rejects.map((r) => r.topic))}::text[],
      ${tx.array(rejects.map((r) => r.partition))}::integer[], ${tx.array(rejects.map((r) => r.offset))}::bigint[],
      ${tx.array(rejects.map((r) => r.rejected_at))}::timestamptz[])
    on conflict (source, topic, partition, "offset") do nothing
    returning event_type`

/** Postgres text cannot hold NUL: rejects keep the payload readable with the character escaped. */
const storableText = (text: string): string => (text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text)

/** A statement that did not answer within the client's deadline: the server is unreachable or stuck. */
const deadlineError = (after: Duration.Duration) =>
  Object.assign(new Error(`no answer from the database within ${Duration.format(after)}`), {
    code: "STATEMENT_DEADLINE"
  })

/**
 * Settles with `promise`, or fails after `after` (the connection is left to postgres.js, which closes it):
 * the server's `statement_timeout` cannot fire when the network to it is gone.
 */
const withDeadline = <A>(promise: Promise<A>, after: Duration.Duration): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineError(after)), Duration.toMillis(after))
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/**
 * `deadline`: how long one batch's transaction may take before the write fails as a connectivity error
 * (default: none; `PinStore.layer` passes the database's statement timeout plus a margin). `prepare`: the
 * unnest upserts as prepared statements (not on embedded databases).
 */
export const makePostgresWriter =
  (sql: postgres.Sql, method: WriteMethod, deadline?: Duration.Duration, prepare = false) =>
  (batch: WriteBatch): Effect.Effect<WriteResult, PinStoreError> => {
    const pins = dedupeLast(batch.pins)
    // one entry per table: rows of a table given twice are written together
    const tables = new Map<TableRows["table"], Array<unknown>>()
    for (const { table, rows } of batch.tables ?? []) {
      const list = tables.get(table) ?? []
      for (const row of rows) list.push(row)
      tables.set(table, list)
    }
    const others = [...tables].map(([table, rows]) => ({ table, rows: dedupeLastBy(versioning(table), rows) }))
    const rejects = batch.rejects.map((r) => ({
      ...r,
      raw: storableText(r.raw),
      detail: storableText(r.detail),
      ...(typeof r.unique_id === "string" ? { unique_id: storableText(r.unique_id) } : {})
    }))
    const needed =
      (pins.length > 0 ? 1 : 0) + others.filter((t) => t.rows.length > 0).length + (rejects.length > 0 ? 1 : 0)
    if (needed === 0) return Effect.succeed(nothingWritten)
    type Client = postgres.Sql | postgres.TransactionSql
    // the copy path always runs in a transaction (below): its staging table lives until the commit
    const upsert = <Row>(tx: Client, table: StoredTable<Row>, rows: ReadonlyArray<Row>) =>
      method === "copy"
        ? upsertCopy(tx as postgres.TransactionSql, table, rows)
        : upsertUnnest(tx, table, rows, prepare)
    const statements = async (tx: Client): Promise<WriteResult> => {
      const byType: Record<string, TypeWritten> = {}
      const written = pins.length === 0 ? 0 : await upsert(tx, pinTable, pins)
      countWritten(byType, "pin", written, 0)
      let events = 0
      for (const { table, rows } of others) {
        if (rows.length === 0) continue
        const count = await upsert(tx, table, rows)
        countWritten(byType, eventTypeOfTable(table.name), count, 0)
        events += count
      }
      // the rows returned are the ones inserted: a replayed reject returns none
      const inserted = rejects.length === 0 ? [] : await insertRejects(tx, rejects)
      for (const r of inserted) countWritten(byType, r.event_type, 0, 1)
      return { pins: written, events, rejects: inserted.length, byType }
    }
    // one statement is a transaction of its own: no begin and commit round trips (the common batch: pins only)
    const transaction = () => (needed === 1 && method === "unnest" ? statements(sql) : sql.begin(statements))
    return Effect.tryPromise({
      try: () => (deadline === undefined ? transaction() : withDeadline(transaction(), deadline)),
      catch: (cause) => new PinStoreError({ connectivity: isConnectivityError(cause), cause })
    })
  }
