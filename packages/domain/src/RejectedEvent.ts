/**
 * An event the edge refused, as appended to the `<PINS_TOPIC>.rejected` topic: the stream worker decodes
 * this shape and moves it into `pin_rejects`, so nothing a client sent is silently lost.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { RejectReason } from "./RejectReason.ts"
import { isStorableText, maxIdCodePoints, maxTextCodePoints, StorableId, StorableText } from "./StorableText.ts"

/**
 * Raw text is stored as given, so it must be storable; parsed JSON is stored as JSON text, whose escapes
 * make any string storable.
 */
const Raw = Schema.Unknown.check(
  Schema.makeFilter<unknown>((raw) => typeof raw !== "string" || isStorableText(raw), {
    message: "Expected raw text to be well-formed Unicode without the NUL character (U+0000)"
  })
)

/**
 * Any producer may write this topic, so every field the consumer stores is checked as rule 1 checks an
 * event: a record that fails is not trusted and the consumer stores it whole as a reject of its own.
 */
export const RejectedEvent = Schema.Struct({
  reason: RejectReason,
  /** Human-readable: every bad field and why ("index: Expected an integer, got 1.5; …"). */
  detail: StorableText(maxTextCodePoints),
  unique_id: Schema.optionalKey(StorableId(maxIdCodePoints)),
  /** The payload as received (parsed JSON, or the raw text when it was not JSON), without `poster_name`. */
  raw: Raw,
  /** When the edge refused it, ISO 8601. */
  rejected_at: IsoInstant
})
export type RejectedEvent = typeof RejectedEvent.Type

/** One line of the rejected topic. */
export const RejectedEventJson = Schema.fromJsonString(RejectedEvent)

/** An object without the given keys (personal data is never persisted); anything else as it is. */
export const withoutKeys = (raw: unknown, keys: ReadonlySet<string>): unknown => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw
  if (!Object.keys(raw).some((key) => keys.has(key))) return raw
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !keys.has(key)))
}

const posterName = new Set(["poster_name"])

/** The raw payload to keep: objects lose `poster_name` (personal data is never persisted). */
export const withoutPosterName = (raw: unknown): unknown => withoutKeys(raw, posterName)
