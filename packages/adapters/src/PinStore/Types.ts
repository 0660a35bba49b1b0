/** The rows, results and errors of the `PinStore` port (see `../PinStore.ts`). */
import { type CleanPin, eventTypes } from "@pinflow/domain"
import { Data } from "effect"
import { pinTable } from "../EventStore/PinTable.ts"
import { dedupeLastBy, storedKey, supersedesBy, type TableRows, type Versioning } from "../EventStore/Table.ts"

/**
 * A clean pin as stored (the domain's clean type; the id as plain text, since a test or another producer may
 * hand any string), with the Kafka coordinates of the message it came from (null when none).
 */
export type PinRow = Omit<CleanPin, "unique_id" | "ingested_at"> & {
  readonly unique_id: string
  /** ISO 8601; null for pins that never went through the edge. */
  readonly ingested_at: string | null
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
}

export type RejectSource = "ingest" | "stream" | "batch"

export interface RejectRow {
  /** The registry name of the event's type (`pin`, `geo`, `user`); `pin` when absent. */
  readonly event_type?: string
  /** A stable code: `invalid_json`, `schema`, `empty_pin`, `unknown_media_type`, `unstorable`, … */
  readonly reason: string
  readonly detail: string
  readonly unique_id: string | null
  /** The payload as received. */
  readonly raw: string
  readonly source: RejectSource
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
  /** ISO 8601. */
  readonly rejected_at: string
}

export interface WriteBatch {
  readonly pins: ReadonlyArray<PinRow>
  /** Rows of the other registered types, one entry per table (`tableRows(registry entry's table, rows)`). */
  readonly tables?: ReadonlyArray<TableRows>
  readonly rejects: ReadonlyArray<RejectRow>
}

export interface WriteResult {
  /** Pin rows inserted or updated (an older version than the stored one is not written). */
  readonly pins: number
  /** Rows of the other types (`tables`) inserted or updated, on the same rule. */
  readonly events: number
  /** Reject rows inserted (a replayed reject is not inserted again). */
  readonly rejects: number
  /** The same by event type (`pin`, `geo`, `user`, …), for metrics labelled by type; absent: nothing written. */
  readonly byType: Readonly<Record<string, TypeWritten>>
}

/** Rows inserted or updated and rejects inserted of one event type by one write. */
export interface TypeWritten {
  readonly rows: number
  readonly rejects: number
}

/** Nothing written. */
export const nothingWritten: WriteResult = { pins: 0, events: 0, rejects: 0, byType: {} }

/** Adds `rows` and `rejects` of `type` to `byType` (kept absent when both are 0). */
export const countWritten = (byType: Record<string, TypeWritten>, type: string, rows: number, rejects: number) => {
  if (rows === 0 && rejects === 0) return
  const seen = byType[type]
  byType[type] = { rows: (seen?.rows ?? 0) + rows, rejects: (seen?.rejects ?? 0) + rejects }
}

/** The registry name of the type a table holds (`geo` for `geo_events`); the table's name if none. */
export const eventTypeOfTable = (table: string): string => eventTypes.find((t) => t.table.name === table)?.name ?? table

/** Two writes' results together. */
export const sumWritten = (a: WriteResult, b: WriteResult): WriteResult => {
  const byType: Record<string, TypeWritten> = { ...a.byType }
  for (const [type, w] of Object.entries(b.byType)) countWritten(byType, type, w.rows, w.rejects)
  return { pins: a.pins + b.pins, events: a.events + b.events, rejects: a.rejects + b.rejects, byType }
}

/**
 * The write failed and nothing of the batch was stored. `connectivity`: the database could not be reached,
 * is restarting, overloaded or did not answer within its deadline (SQLSTATE classes 08, 53, 57, 58; a closed,
 * refused or timed-out connection): retry the same batch later. Otherwise the batch itself is at fault, or
 * nobody knows: retrying it whole would fail again, so isolate the record that causes it.
 */
export class PinStoreError extends Data.TaggedError("PinStoreError")<{
  readonly connectivity: boolean
  readonly cause: unknown
}> {
  override get message(): string {
    return `pin store write failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export { isConnectivityError } from "../DatabaseFailure.ts"

const pinVersioning: Versioning<PinRow> = {
  key: (pin) => storedKey(pin.unique_id),
  ingestedAt: (pin) => pin.ingested_at,
  offset: (pin) => pin.offset
}

/**
 * One row per stored key: the version that `supersedes` the others wins (rule 9: the later `ingested_at`,
 * then the later offset; batch order breaks the remaining ties). Returns `pins` itself when no key repeats.
 */
export const dedupeLast = (pins: ReadonlyArray<PinRow>): ReadonlyArray<PinRow> => dedupeLastBy(pinVersioning, pins)

/**
 * Whether `next` may replace `stored`: the later `ingested_at` wins, then the later offset; rows without
 * `ingested_at` always replace. So replays and out-of-order writers never bring back an older version.
 */
export const supersedes: (next: PinRow, stored: PinRow) => boolean = supersedesBy(pinVersioning)

export { pinTable }
