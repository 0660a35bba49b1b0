/**
 * The pin event as posted to the edge (seed-compatible field names), and the record the edge appends
 * to Kafka: the same event without `poster_name`, plus `ingested_at`.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { SafeInteger } from "./SafeInteger.ts"
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

/** The fields every event carries; cleaning rule 1 of the design. Unknown extra keys are ignored. */
const eventFields = {
  index: SafeInteger,
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
