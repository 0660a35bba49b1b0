/**
 * What pinflow needs to know about one kind of event (pin, geo, user) to take it in at the edge, log it,
 * clean it and store it. Every program works from the registry in `EventTypes.ts`, never from a type's name;
 * the names (`EventTypeName`) are derived from it, so a new type is one entry there and no edit here.
 */
import type { Result, Schema } from "effect"
import type { SchemaIssueDetail } from "./Cleaning.ts"
import type { EventTypeName } from "./EventTypes.ts"
import type { RejectReason } from "./RejectReason.ts"

/** Why an event did not pass the edge's structure check: every bad field, and all of them as one detail. */
export interface FieldIssues {
  readonly detail: string
  readonly issues: ReadonlyArray<SchemaIssueDetail>
}

/** Why a logged line did not become a clean row: a stable reason, a detail, the event's key when readable. */
export interface EventRejection {
  readonly reason: RejectReason
  readonly detail: string
  readonly key?: string
}

/** The PostgreSQL types a column may have (arrays are one-dimensional). */
export type SqlType =
  | "text"
  | "text[]"
  | "bigint"
  | "integer"
  | "double precision"
  | "double precision[]"
  | "boolean"
  | "timestamptz"

/** One column of a type's table, read from the clean row (method syntax: registries hold `EventType<unknown>`). */
export interface Column<Clean> {
  readonly name: string
  readonly sqlType: SqlType
  value(row: Clean): unknown
}

/** A column holding the clean row's field of the same name (or `name`, when the table names it otherwise). */
export const column =
  <Clean>() =>
  <K extends keyof Clean & string>(field: K, sqlType: SqlType, name: string = field): Column<Clean> => ({
    name,
    sqlType,
    // an absent optional field (a row cleaned offline has no `ingested_at`) is SQL NULL
    value: (row) => row[field] ?? null
  })

export interface EventType<Clean = unknown, Checked = unknown, Posted = unknown, Name extends string = EventTypeName> {
  /** The metrics label `event_type` and the rejects' `event_type` column. */
  readonly name: Name
  /** `POST /<plural>` takes many; the default topic; `raw/<topic>/` in the archive. `POST /<name>/` takes one. */
  readonly plural: string
  /**
   * The field holding the source row's number, which the three types share (pin `index` = geo and user
   * `ind`): the insights join on it, and the emulator posts one row of each type per number.
   */
  readonly rowField: string
  /** The variable naming the topic (default `plural`); rejects go to `<topic>.rejected`. */
  readonly topicVariable: string
  /** The event as posted, with the contract's limits (the OpenAPI request body). */
  readonly posted: Schema.Codec<Posted, unknown>
  /** The clean row as the `clean` command prints it (the table holds the same fields, see `table`). */
  readonly clean: Schema.Codec<Clean, unknown>
  /** The edge's structure check (cleaning rule 1): the event to log, personal data dropped, or every bad field. */
  check(value: unknown): Result.Result<Checked, FieldIssues>
  /** The key of any value, when it has a valid one: rejects are traced by it. */
  readableKey(value: unknown): string | undefined
  /** The Kafka key of a checked event: `unique_id` for pins, `String(ind)` for geo and user. */
  key(checked: Checked): string
  /** The record the edge appends to the topic: the checked event stamped with `ingested_at`. */
  logged(checked: Checked, ingestedAt: Date): Record<string, unknown>
  /**
   * Any value as received, without its personal data (pin `poster_name`, user names): what a reject keeps
   * as its raw payload. Total; a value without such data is returned as it is.
   */
  redact(raw: unknown): unknown
  /** Total: a logged line (event JSON + `ingested_at`) becomes the clean row or a rejection; never throws. */
  cleanLine(line: string): Result.Result<Clean, EventRejection>
  /** Total: a raw posted line (what the `clean` command reads; no `ingested_at` needed). Never throws. */
  cleanPostedLine(line: string): Result.Result<Clean, EventRejection>
  /** How the store keeps the clean rows: the table, its key column, its columns (each read from the row). */
  readonly table: {
    readonly name: string
    readonly key: string
    readonly columns: ReadonlyArray<Column<Clean>>
    /** Whether the table also keeps the Kafka `topic`, `partition` and `offset` of each row's message. */
    readonly kafkaCoordinates: boolean
  }
}
