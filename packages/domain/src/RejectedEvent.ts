/**
 * An event the edge refused, as appended to the `<PINS_TOPIC>.rejected` topic: the stream worker decodes
 * this shape and moves it into `pin_rejects`, so nothing a client sent is silently lost.
 */
import { Schema } from "effect"
import { RejectReason } from "./RejectReason.ts"

export const RejectedEvent = Schema.Struct({
  reason: RejectReason,
  /** Human-readable: every bad field and why ("index: Expected an integer, got 1.5; …"). */
  detail: Schema.String,
  unique_id: Schema.optionalKey(Schema.String),
  /** The payload as received (parsed JSON, or the raw text when it was not JSON), without `poster_name`. */
  raw: Schema.Unknown,
  /** When the edge refused it, ISO 8601. */
  rejected_at: Schema.String
})
export type RejectedEvent = typeof RejectedEvent.Type

/** One line of the rejected topic. */
export const RejectedEventJson = Schema.fromJsonString(RejectedEvent)

/** The raw payload to keep: objects lose `poster_name` (personal data is never persisted). */
export const withoutPosterName = (raw: unknown): unknown => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, "poster_name")) return raw
  const { poster_name: _dropped, ...rest } = raw as Record<string, unknown>
  return rest
}
