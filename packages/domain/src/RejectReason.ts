/**
 * Why an event did not become a clean pin. Codes are stable identifiers: users filter `pin_rejects` and
 * alert on `pinflow_events_rejected_total{reason}` by them.
 */
import { Schema } from "effect"

export const RejectReason = Schema.Literals([
  /** The line or message is not JSON at all. */
  "invalid_json",
  /** A required key is missing or has the wrong type (the detail names the fields). */
  "schema",
  /** `is_image_or_video` is none of image, video, multi-video(story page format). */
  "unknown_media_type",
  /** Both title and description are empty or placeholders: nothing to show. */
  "empty_pin",
  /** The event's Kafka message (key + value) is over the edge's message size limit. */
  "too_large",
  /** A value the database still refuses; kept with its raw payload so nothing is lost. */
  "unstorable",
  /** A geo or user value outside its domain (latitude, longitude, age). */
  "out_of_range"
])
export type RejectReason = typeof RejectReason.Type

/** A rejected event: the reason code, a human-readable detail, and the id when it could be read. */
export const Rejection = Schema.Struct({
  reason: RejectReason,
  detail: Schema.String,
  unique_id: Schema.optionalKey(Schema.String)
})
export type Rejection = typeof Rejection.Type
