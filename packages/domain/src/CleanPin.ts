/** The clean pin: what the `clean` command prints and what the `pins` table holds. */
import { Schema } from "effect"
import { PinId } from "./PinId.ts"

export const MediaType = Schema.Literals(["image", "video", "story"])
export type MediaType = typeof MediaType.Type

export const CleanPin = Schema.Struct({
  unique_id: PinId,
  index: Schema.Int,
  title: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  follower_count: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  tags: Schema.Array(Schema.String),
  media_type: MediaType,
  image_src: Schema.NullOr(Schema.String),
  downloaded: Schema.Boolean,
  save_location: Schema.String,
  category: Schema.NullOr(Schema.String),
  /** When the edge received the event; absent for pins cleaned offline from raw files. */
  ingested_at: Schema.optionalKey(Schema.String)
})
export type CleanPin = typeof CleanPin.Type

/** The clean pin as one line of NDJSON. */
export const CleanPinJson = Schema.fromJsonString(CleanPin)
