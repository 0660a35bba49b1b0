/**
 * Turns one message of the `pins` topic into one archive line and the UTC day it belongs to, without
 * losing anything: a message whose `ingested_at` cannot be read is kept whole, with its coordinates, for
 * the `unreadable` folder. The edge writes `ingested_at` as the last key of compact JSON, so the common
 * case is read from the tail without parsing the whole event; anything else goes through the domain's
 * `parseJson`.
 */
import { parseJson, utcDay } from "@pinflow/domain"
import { Result } from "effect"

export interface SourceMessage {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: string
}

export type ArchiveLine =
  | { readonly _tag: "Dated"; readonly day: string; readonly line: string }
  | {
      readonly _tag: "Unreadable"
      /** A stable reject code: `invalid_json` or `schema`, as the stream worker would say. */
      readonly reason: "invalid_json" | "schema"
      readonly detail: string
      readonly line: string
    }

const tailKey = '"ingested_at":"'
/** A string value without quotes or escapes, closing the object: `…"ingested_at":"<time>"}` */
const tailPattern = /^([^"\\]*)"}$/

const fromTail = (value: string): string | null => {
  if (!value.endsWith('"}')) return null
  const at = value.lastIndexOf(tailKey)
  if (at < 0) return null
  const match = tailPattern.exec(value.slice(at + tailKey.length))
  return match === null ? null : (match[1] ?? null)
}

type Unreadable = { readonly reason: "invalid_json" | "schema"; readonly detail: string }

/** Why the day cannot be read, or the parsed event's `ingested_at`. */
const fromJson = (value: string): { readonly time: string; readonly json: unknown } | Unreadable => {
  const parsed = parseJson(value)
  if (Result.isFailure(parsed)) return { reason: "invalid_json", detail: parsed.failure }
  const json = parsed.success
  if (typeof json !== "object" || json === null || Array.isArray(json))
    return { reason: "schema", detail: "Expected a JSON object" }
  const time = (json as { ingested_at?: unknown }).ingested_at
  return typeof time === "string"
    ? { time, json }
    : { reason: "schema", detail: "ingested_at: Missing key or not a string" }
}

/** The line kept for a message without a day: the message itself, with where it came from and why. */
export const unreadableLine = (message: SourceMessage, why: Unreadable): string =>
  JSON.stringify({
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    reason: why.reason,
    detail: why.detail,
    value: message.value
  })

const unreadable = (message: SourceMessage, why: Unreadable): ArchiveLine => ({
  _tag: "Unreadable",
  reason: why.reason,
  detail: why.detail,
  line: unreadableLine(message, why)
})

export const toArchiveLine = (message: SourceMessage): ArchiveLine => {
  const value = message.value
  // NDJSON: a line must not contain a line break (a pretty-printed event is re-serialised on one line).
  const oneLine = value.indexOf("\n") < 0 && value.indexOf("\r") < 0
  const tail = oneLine ? fromTail(value) : null
  const tailDay = tail === null ? null : utcDay(tail)
  if (tailDay !== null) return { _tag: "Dated", day: tailDay, line: value }
  const parsed = fromJson(value)
  if ("reason" in parsed) return unreadable(message, parsed)
  const day = utcDay(parsed.time)
  if (day === null)
    return unreadable(message, {
      reason: "schema",
      detail: `ingested_at: Expected an ISO 8601 timestamp, got ${JSON.stringify(parsed.time)}`
    })
  return { _tag: "Dated", day, line: oneLine ? value : JSON.stringify(parsed.json) }
}
