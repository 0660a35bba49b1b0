/**
 * The pin event as posted to the edge (seed-compatible field names), and the record the edge appends
 * to Kafka: the same event without `poster_name`, plus `ingested_at`.
 */
import { Schema } from "effect"

/**
 * Text as PostgreSQL can store it: no NUL character (U+0000). Refusing it here, at the structural check,
 * keeps an event that no database could hold from being acknowledged and then stalling a writer.
 */
const Text = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character this check refuses
  Schema.isPattern(/^[^\u0000]*$/, { message: "Expected text without the NUL character (U+0000)" })
)

// \S matches exactly what String.prototype.trim keeps (both use ECMAScript's WhiteSpace + LineTerminator)
const NonBlankString = Text.check(
  Schema.isPattern(/\S/, { message: "Expected a non-empty string (after trimming white space)" })
)

/** An ISO 8601 date-time with a zone, as `Date.prototype.toISOString` writes it. */
const IsoDateTime = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, {
    message: "Expected an ISO 8601 timestamp such as 2026-11-26T10:00:00.000Z"
  })
)

/** The fields every event carries; cleaning rule 1 of the design. Unknown extra keys are ignored. */
const eventFields = {
  index: Schema.Int,
  unique_id: NonBlankString,
  title: Text,
  description: Text,
  follower_count: Text,
  tag_list: Text,
  is_image_or_video: Text,
  image_src: Text,
  downloaded: Schema.Literals([0, 1]),
  save_location: Text,
  category: Text
}

/** What a client posts. `poster_name` is accepted and then dropped at the edge (personal data). */
export const PinEvent = Schema.Struct({
  ...eventFields,
  poster_name: Schema.optionalKey(Schema.String)
})
export type PinEvent = typeof PinEvent.Type

/** What the edge appends to the `pins` topic: the event without personal data, stamped on arrival. */
export const LoggedPinEvent = Schema.Struct({
  ...eventFields,
  ingested_at: IsoDateTime
})
export type LoggedPinEvent = typeof LoggedPinEvent.Type

/** Drops `poster_name` (and anything unknown) and stamps the arrival time. */
export const toLoggedPinEvent = (event: PinEvent, ingestedAt: Date): LoggedPinEvent => ({
  index: event.index,
  unique_id: event.unique_id,
  title: event.title,
  description: event.description,
  follower_count: event.follower_count,
  tag_list: event.tag_list,
  is_image_or_video: event.is_image_or_video,
  image_src: event.image_src,
  downloaded: event.downloaded,
  save_location: event.save_location,
  category: event.category,
  ingested_at: ingestedAt.toISOString()
})
