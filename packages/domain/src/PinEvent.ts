/**
 * The pin event as posted to the edge (seed-compatible field names), and the record the edge appends
 * to Kafka: the same event without `poster_name`, plus `ingested_at`.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import {
  maxCategoryCodePoints,
  maxFollowerCountCodePoints,
  maxIdCodePoints,
  maxTextCodePoints,
  StorableId,
  StorableText
} from "./StorableText.ts"

/**
 * Cleaning rule 1 refuses, field by field, what no later stage could store or index: text that is not
 * well-formed Unicode or holds NUL, and text past its length limit; an index that is not a safe integer.
 */
const Text = StorableText(maxTextCodePoints)

/** `Schema.Int` (a safe integer), saying which rule a whole number past 2^53 - 1 breaks. */
const Index = Schema.Number.check(
  Schema.makeFilter<number>(
    (n) =>
      Number.isSafeInteger(n) ||
      (Number.isInteger(n) ? "Expected a safe integer (at most 2^53 - 1 either side of 0)" : "Expected an integer"),
    {
      expected: "an integer",
      // the same rule as Schema.isInt, so tools (JSON Schema: no NaN/Infinity branch) treat it as one
      representation: { id: "effect/schema/isInt", payload: null },
      toJsonSchema: () => ({ type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
      arbitraryConstraint: { number: "integer" }
    }
  )
)

/** The fields every event carries; cleaning rule 1 of the design. Unknown extra keys are ignored. */
const eventFields = {
  index: Index,
  unique_id: StorableId(maxIdCodePoints),
  title: Text,
  description: Text,
  follower_count: StorableText(maxFollowerCountCodePoints),
  tag_list: Text,
  is_image_or_video: Text,
  image_src: Text,
  downloaded: Schema.Literals([0, 1]),
  save_location: Text,
  category: StorableText(maxCategoryCodePoints)
}

/** What a client posts. `poster_name` is accepted and then dropped at the edge (personal data). */
export const PinEvent = Schema.Struct({
  ...eventFields,
  poster_name: Schema.optionalKey(Text)
})
export type PinEvent = typeof PinEvent.Type

/** What the edge appends to the `pins` topic: the event without personal data, stamped on arrival. */
export const LoggedPinEvent = Schema.Struct({
  ...eventFields,
  ingested_at: IsoInstant
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
