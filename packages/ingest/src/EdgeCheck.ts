/**
 * The edge's check of posted values (cleaning rule 1 and its analogue for every registered type), as
 * pure functions: each value becomes a logged event (personal data dropped, stamped `ingested_at`) or a
 * rejection that names every bad field, ready for the type's rejected topic. Content rules are applied
 * downstream.
 */
import { type EncodedEvent, encodeEvent } from "@pinflow/adapters"
import {
  type EventType,
  isStorableText,
  type RejectedEvent,
  schemaIssues,
  storableText,
  stringifyJson
} from "@pinflow/domain"
import { Result, type Schema } from "effect"
import type { Issue } from "./IngestApi.ts"

export type Checked =
  | {
      readonly _tag: "Valid"
      /** The event's key field as posted (the pin's `unique_id`, a geo or user event's `ind`): what the reply names. */
      readonly key: unknown
      /** The event as it will be logged, serialized once here (its size is checked on this text). */
      readonly encoded: EncodedEvent
    }
  | {
      readonly _tag: "Invalid"
      readonly reject: RejectedEvent
      readonly issues: ReadonlyArray<Issue>
    }

/** Raw payloads kept on the rejected topic are capped so one record always fits a Kafka message. */
const maxRawChars = 64 * 1024
/** A reject keeps at most this much of the id it names (rule 1's limit for a valid one). */
const maxIdChars = 256

/** Every bad field and why, with what it held ("Expected an integer, got 1.5"). */
export const issuesOf: (error: Schema.SchemaError, input: unknown) => ReadonlyArray<Issue> = schemaIssues

/** At most `max` UTF-16 units of `text`, never ending in half of a surrogate pair. */
const headOf = (text: string, max: number): string => {
  if (text.length <= max) return text
  const last = text.charCodeAt(max - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)
}

/**
 * The payload as received, without personal data (`redact`: the type's), capped in size. Text that is too long, or that a
 * database could not store as text, is kept inside an object (`prefix`), which is stored as JSON.
 */
export const boundedRaw = (raw: unknown, redact: (raw: unknown) => unknown): unknown => {
  const kept = redact(raw)
  const text = typeof kept === "string" ? kept : stringifyJson(kept)
  if (text.length <= maxRawChars && (typeof kept !== "string" || isStorableText(kept))) return kept
  return { truncated: text.length > maxRawChars, length: text.length, prefix: headOf(text, maxRawChars) }
}

/** The key a reject is keyed and traced by: what the type can read, at most `maxIdChars` of it. */
const rejectId = (type: EventType, input: unknown): string | undefined => {
  const id = type.readableKey(input)
  if (id === undefined) return undefined
  const head = headOf(id, maxIdChars).trim()
  return head.length > 0 && isStorableText(head) ? head : undefined
}

const rejection = (
  reason: RejectedEvent["reason"],
  detail: string,
  raw: unknown,
  now: Date,
  id: string | undefined,
  redact: (raw: unknown) => unknown = (text) => text
): RejectedEvent => {
  const base = { reason, detail, raw: boundedRaw(raw, redact), rejected_at: now.toISOString() }
  return id === undefined ? base : { ...base, unique_id: id }
}

/** UTF-8 bytes of a key; ids are short, so the exact count is only needed near the limit. */
const keyBytes = (key: string): number => Buffer.byteLength(key)

/**
 * Checks one posted value of `type`; `maxMessageBytes` bounds its Kafka message (key + value bytes). The
 * type's check decides (pins: a fast path for plain valid objects, the schema for the rest), naming every
 * bad field.
 */
export const checkValue = (type: EventType, input: unknown, now: Date, maxMessageBytes: number): Checked => {
  const checked = type.check(input)
  if (Result.isFailure(checked)) {
    return {
      _tag: "Invalid",
      reject: rejection("schema", checked.failure.detail, input, now, rejectId(type, input), type.redact),
      issues: checked.failure.issues
    }
  }
  const encoded = encodeEvent(type.key(checked.success), type.logged(checked.success, now))
  // a key is at most 3 bytes per UTF-16 unit: the exact count only when that bound crosses the limit
  if (encoded.bytes + encoded.key.length * 3 > maxMessageBytes) {
    const key = keyBytes(encoded.key)
    const size = encoded.bytes + key
    if (size > maxMessageBytes) {
      const message = `the event is ${size} bytes as a Kafka message (key ${key} + value ${encoded.bytes}); the limit is ${maxMessageBytes}`
      return {
        _tag: "Invalid",
        reject: rejection("too_large", message, input, now, rejectId(type, input), type.redact),
        issues: [{ path: "", message }]
      }
    }
  }
  return { _tag: "Valid", key: (checked.success as Record<string, unknown>)[type.table.key], encoded }
}

/** A body or line that is not JSON at all. */
export const invalidJson = (text: string, detail: string, now: Date): RejectedEvent =>
  rejection("invalid_json", detail, text, now, undefined)

/** A line of NDJSON that is not JSON: the line itself (kept as the reject's raw) and the parser's message. */
export interface BadLine {
  readonly line: string
  readonly detail: string
}

/** A parser's message as a short, storable detail (V8 quotes the input, which may hold anything). */
export const parserDetail = (message: string): string => {
  const head = headOf(message, 512)
  return storableText(head)
}
