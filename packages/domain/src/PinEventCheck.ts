/**
 * A fast path in front of the `PinEvent` and `LoggedPinEvent` schemas (the edge, the stream worker, the
 * batch), where Effect Schema's general decoder costs more per event than parsing the JSON. It decodes
 * only plain objects (as `JSON.parse` makes them) that the schema accepts, into the same event; on plain
 * objects it agrees with the schema exactly (property-tested). Anything else answers "don't know" (`undefined`): callers run
 * the schema then, which decides and names every bad field.
 */
import { isoInstantMillis } from "./IsoInstant.ts"
import type { LoggedPinEvent, PinEvent } from "./PinEvent.ts"
import {
  exceedsCodePoints,
  maxCategoryCodePoints,
  maxFollowerCountCodePoints,
  maxTextCodePoints,
  storableId
} from "./StorableText.ts"

/**
 * PinEvent's text rules, cheapest test first: `length` bounds the code points (they are counted only past
 * the limit), then NUL, then well-formedness (native).
 */
const isText = (value: unknown, max: number): value is string =>
  typeof value === "string" && !exceedsCodePoints(value, max) && !value.includes("\u0000") && value.isWellFormed()

const textKeys = [
  "title",
  "description",
  "follower_count",
  "tag_list",
  "is_image_or_video",
  "image_src",
  "save_location",
  "category"
] as const

const own = Object.prototype.hasOwnProperty

/**
 * The event `Schema.decodeUnknownResult(PinEvent)` would decode from `input`, when `input` is a plain
 * object the schema accepts; `undefined` means "ask the schema" (it decides, and names every bad field).
 * Each field is read once, so what was checked is what is returned.
 */
export const decodePlainPinEvent = (input: unknown): PinEvent | undefined => {
  if (typeof input !== "object" || input === null) return undefined
  const proto = Object.getPrototypeOf(input)
  if (proto !== Object.prototype && proto !== null) return undefined
  const o = input as Record<string, unknown>
  const index = o.index
  if (!Number.isSafeInteger(index) || !own.call(o, "index")) return undefined
  const unique_id = o.unique_id
  if (typeof unique_id !== "string" || storableId(unique_id) === undefined || !own.call(o, "unique_id"))
    return undefined
  const title = o.title
  const description = o.description
  const follower_count = o.follower_count
  const tag_list = o.tag_list
  const is_image_or_video = o.is_image_or_video
  const image_src = o.image_src
  const save_location = o.save_location
  const category = o.category
  if (
    !isText(title, maxTextCodePoints) ||
    !isText(description, maxTextCodePoints) ||
    !isText(follower_count, maxFollowerCountCodePoints) ||
    !isText(tag_list, maxTextCodePoints) ||
    !isText(is_image_or_video, maxTextCodePoints) ||
    !isText(image_src, maxTextCodePoints) ||
    !isText(save_location, maxTextCodePoints) ||
    !isText(category, maxCategoryCodePoints)
  )
    return undefined
  for (const key of textKeys) if (!own.call(o, key)) return undefined
  const downloaded = o.downloaded
  if ((downloaded !== 0 && downloaded !== 1) || !own.call(o, "downloaded")) return undefined
  const event: PinEvent = {
    index: index as number,
    unique_id,
    title,
    description,
    follower_count,
    tag_list,
    is_image_or_video,
    image_src,
    downloaded: downloaded as 0 | 1,
    save_location,
    category
  }
  if (!own.call(o, "poster_name")) return event
  const poster_name = o.poster_name
  return isText(poster_name, maxTextCodePoints) ? { ...event, poster_name } : undefined
}

/**
 * The event `Schema.decodeUnknownResult(LoggedPinEvent)` would decode from a plain object it accepts, as
 * read back from Kafka or the archive; `undefined` = ask the schema. A `poster_name` (never in what the
 * edge logs) is left to the schema.
 */
export const decodePlainLoggedPinEvent = (input: unknown): LoggedPinEvent | undefined => {
  const event = decodePlainPinEvent(input)
  if (event === undefined || event.poster_name !== undefined) return undefined
  const ingested_at = (input as { readonly ingested_at?: unknown }).ingested_at
  if (typeof ingested_at !== "string" || !own.call(input, "ingested_at") || isoInstantMillis(ingested_at) === undefined)
    return undefined
  return { ...event, ingested_at }
}
