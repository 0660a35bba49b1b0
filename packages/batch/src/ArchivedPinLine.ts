/**
 * Cleaning an archived line with the domain's rules, but without Effect Schema's general decoder on the
 * common case: it cost more per line than parsing the JSON (profile of a 100k-event run). The domain's
 * `decodePlainPinEvent` decodes exactly what the `PinEvent` schema accepts (property-tested there); a logged
 * event adds `ingested_at`, checked with the same `isoInstantMillis` the `IsoInstant` schema uses. Anything
 * this is unsure of (not a plain object, a `poster_name`, a bad field) goes through `cleanLoggedPinLine`,
 * so which lines are rejects, and their reasons and details, stay the domain's.
 */
import {
  type CleanOutcome,
  cleanEvent,
  cleanLoggedPin,
  cleanLoggedPinLine,
  decodePlainPinEvent,
  isoInstantMillis,
  type LoggedPinEvent,
  parseJson
} from "@pinflow/domain"
import { Result } from "effect"

const own = Object.prototype.hasOwnProperty

/**
 * The event `LoggedPinEvent`'s schema would decode from a plain object it accepts; `undefined` = ask the
 * schema. A `poster_name` (never in what the edge logs) is left to the schema too.
 */
export const decodePlainLoggedPinEvent = (input: unknown): LoggedPinEvent | undefined => {
  if (typeof input !== "object" || input === null || own.call(input, "poster_name")) return undefined
  const event = decodePlainPinEvent(input)
  if (event === undefined) return undefined
  const ingested_at = (input as { readonly ingested_at?: unknown }).ingested_at
  if (typeof ingested_at !== "string" || !own.call(input, "ingested_at") || isoInstantMillis(ingested_at) === undefined)
    return undefined
  return { ...event, ingested_at }
}

/** `cleanLoggedPinLine(line)`, with the schema only where the fast decode is unsure. */
export const cleanArchivedPinLine = (line: string): CleanOutcome => {
  const parsed = parseJson(line)
  // not JSON: rare; the domain words the rejection
  if (Result.isFailure(parsed)) return cleanLoggedPinLine(line)
  const event = decodePlainLoggedPinEvent(parsed.success)
  return event === undefined ? cleanLoggedPin(parsed.success) : cleanEvent(event)
}
