/**
 * The edge's check of posted values (cleaning rule 1, the domain's `PinEvent`), as pure functions:
 * each value becomes a logged event (without `poster_name`, stamped `ingested_at`) or a rejection that
 * names every bad field, ready for the rejected topic. Content rules are applied downstream.
 */
import { type EncodedPin, encodePin } from "@pinflow/adapters"
import {
  decodePlainPinEvent,
  describeSchemaError,
  type LoggedPinEvent,
  PinEvent,
  parseJson,
  type RejectedEvent,
  readableId,
  schemaIssues,
  toLoggedPinEvent,
  withoutPosterName
} from "@pinflow/domain"
import { Result, Schema } from "effect"
import type { Issue } from "./IngestApi.ts"

export type Checked =
  | {
      readonly _tag: "Valid"
      readonly event: LoggedPinEvent
      /** The event as it will be logged, serialized once here (its size is checked on this text). */
      readonly encoded: EncodedPin
    }
  | {
      readonly _tag: "Invalid"
      readonly reject: RejectedEvent
      readonly issues: ReadonlyArray<Issue>
      /** Structurally valid but too big for one Kafka message. */
      readonly tooLarge: boolean
    }

const decode = Schema.decodeUnknownResult(PinEvent, { errors: "all" })

/** Raw payloads kept on the rejected topic are capped so one record always fits a Kafka message. */
const maxRawChars = 64 * 1024

/** Every bad field and why, with what it held ("Expected an integer, got 1.5"). */
export const issuesOf: (error: Schema.SchemaError, input: unknown) => ReadonlyArray<Issue> = schemaIssues

/** The payload as received, without personal data, capped in size. */
export const boundedRaw = (raw: unknown): unknown => {
  const kept = withoutPosterName(raw)
  const text = typeof kept === "string" ? kept : JSON.stringify(kept)
  if (text === undefined || text.length <= maxRawChars) return kept
  return { truncated: true, length: text.length, prefix: text.slice(0, maxRawChars) }
}

const rejection = (
  reason: RejectedEvent["reason"],
  detail: string,
  raw: unknown,
  now: Date,
  id: string | undefined
): RejectedEvent => {
  const base = { reason, detail, raw: boundedRaw(raw), rejected_at: now.toISOString() }
  return id === undefined ? base : { ...base, unique_id: id }
}

/**
 * Checks one posted value; `maxEventBytes` bounds the logged message. Plain JSON objects that are valid
 * take the domain's fast path (same verdict as the schema); everything else is decided by the schema,
 * with every bad field named.
 */
export const checkValue = (input: unknown, now: Date, maxEventBytes: number): Checked => {
  let valid = decodePlainPinEvent(input)
  if (valid === undefined) {
    const decoded = decode(input)
    if (Result.isFailure(decoded)) {
      return {
        _tag: "Invalid",
        reject: rejection("schema", describeSchemaError(decoded.failure, input), input, now, readableId(input)),
        issues: issuesOf(decoded.failure, input),
        tooLarge: false
      }
    }
    valid = decoded.success
  }
  const event = toLoggedPinEvent(valid, now)
  const encoded = encodePin(event)
  if (encoded.bytes > maxEventBytes) {
    const message = `the event is ${encoded.bytes} bytes as logged; the limit is ${maxEventBytes}`
    return {
      _tag: "Invalid",
      reject: rejection("schema", message, input, now, readableId(input)),
      issues: [{ path: "", message }],
      tooLarge: true
    }
  }
  return { _tag: "Valid", event, encoded }
}

/** A body or line that is not JSON at all. */
export const invalidJson = (text: string, detail: string, now: Date): RejectedEvent =>
  rejection("invalid_json", detail, text, now, undefined)

/** A line of NDJSON that is not JSON: the line itself (kept as the reject's raw) and the parser's message. */
export interface BadLine {
  readonly line: string
  readonly detail: string
}

export type ParsedBatch =
  | { readonly _tag: "Values"; readonly values: ReadonlyArray<Result.Result<unknown, BadLine>> }
  | { readonly _tag: "Malformed"; readonly detail: string }

/**
 * A `/pins` body: a JSON array (one value per element), a single JSON object, or NDJSON (one value per
 * non-blank line; a line that is not JSON is that event's failure, not the request's).
 */
export const parseBatch = (text: string): ParsedBatch => {
  const trimmed = text.trimStart()
  if (trimmed.startsWith("[")) {
    const parsed = parseJson(text)
    if (Result.isFailure(parsed)) return { _tag: "Malformed", detail: parsed.failure }
    return { _tag: "Values", values: (parsed.success as ReadonlyArray<unknown>).map((v) => Result.succeed(v)) }
  }
  if (trimmed.startsWith("{")) {
    const whole = parseJson(text)
    if (Result.isSuccess(whole)) return { _tag: "Values", values: [Result.succeed(whole.success)] }
  }
  const values: Array<Result.Result<unknown, BadLine>> = []
  for (const line of text.split("\n")) {
    if (line.trim().length === 0) continue
    values.push(Result.mapError(parseJson(line), (detail) => ({ line, detail })))
  }
  return { _tag: "Values", values }
}
