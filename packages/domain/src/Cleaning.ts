/**
 * The cleaning rules of the design, as pure total functions: any input yields a clean pin or a typed
 * rejection, never an exception.
 */
import { Result, Schema, SchemaIssue } from "effect"
import type { CleanPin, MediaType } from "./CleanPin.ts"
import { parseFollowerCount } from "./FollowerCount.ts"
import { parseJson, stringifyJson } from "./JsonText.ts"
import { LoggedPinEvent, PinEvent } from "./PinEvent.ts"
import { decodePlainLoggedPinEvent } from "./PinEventCheck.ts"
import type { PinId } from "./PinId.ts"
import type { Rejection } from "./RejectReason.ts"
import { storableId, storableText } from "./StorableText.ts"
import { parseTags } from "./Tags.ts"

export type CleanOutcome = Result.Result<CleanPin, Rejection>

const placeholders = {
  title: new Set(["No Title Data Available"]),
  description: new Set(["No description available Story format", "No description available"]),
  image_src: new Set(["Image src error."]),
  category: new Set<string>()
}

/** Trimmed text, or null when it is empty or one of the source's placeholders. */
const text = (raw: string, placeholder: ReadonlySet<string>): string | null => {
  const trimmed = raw.trim()
  return trimmed.length === 0 || placeholder.has(trimmed) ? null : trimmed
}

const mediaTypes: Record<string, MediaType> = {
  image: "image",
  video: "video",
  "multi-video(story page format)": "story"
}

const savePrefix = "Local save in "

const saveLocation = (raw: string): string => {
  const trimmed = raw.trim()
  return trimmed.startsWith(savePrefix) ? trimmed.slice(savePrefix.length).trim() : trimmed
}

/** Applies rules 2–9 to an event whose structure (rule 1) is already valid. */
export const cleanEvent = (event: PinEvent | LoggedPinEvent): CleanOutcome => {
  const unique_id = event.unique_id.trim() as PinId
  const media = event.is_image_or_video.trim()
  const media_type = Object.hasOwn(mediaTypes, media) ? mediaTypes[media] : undefined
  if (media_type === undefined) {
    return Result.fail({
      reason: "unknown_media_type",
      detail: `is_image_or_video: expected "image", "video" or "multi-video(story page format)", got ${shown(event.is_image_or_video)}`,
      unique_id
    })
  }
  const title = text(event.title, placeholders.title)
  const description = text(event.description, placeholders.description)
  if (title === null && description === null) {
    return Result.fail({
      reason: "empty_pin",
      detail: "title and description are both empty or placeholders",
      unique_id
    })
  }
  const pin: CleanPin = {
    unique_id,
    index: event.index,
    title,
    description,
    follower_count: parseFollowerCount(event.follower_count),
    tags: parseTags(event.tag_list),
    media_type,
    image_src: text(event.image_src, placeholders.image_src),
    downloaded: event.downloaded === 1,
    save_location: saveLocation(event.save_location),
    category: text(event.category, placeholders.category)
  }
  return Result.succeed("ingested_at" in event ? { ...pin, ingested_at: event.ingested_at } : pin)
}

const shownChars = 60

/**
 * A short rendering of a value that failed validation, so a detail says what was received: never an
 * exception (BigInt, cycles, any depth), never a surrogate pair cut in half, and only the head of a long
 * string is serialized.
 */
const shown = (value: unknown): string => {
  if (value === undefined) return "undefined"
  if (typeof value === "bigint") return `${value}n`
  const long = typeof value === "string" && value.length > shownChars
  const head = long ? value.slice(0, shownChars) : value
  const text = typeof head === "string" || typeof head === "object" ? stringifyJson(head) : String(head)
  if (text.length <= shownChars && !long) return text
  let cut = Math.min(text.length, shownChars - 3)
  // JSON escapes lone surrogates, so only a pair can straddle the cut: keep it whole or drop it
  const last = text.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1
  return `${text.slice(0, cut)}...`
}

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const keyOf = (segment: PropertyKey | { readonly key: PropertyKey }): PropertyKey =>
  typeof segment === "object" ? segment.key : segment

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    input
  )

/** Fields holding personal data: a detail names them and why, never what they held (details are stored). */
const personalFields = new Set(["poster_name", "first_name", "last_name", "user_name"])

/** One bad field: its dotted path ("" for the whole value) and why, with what it held. */
export interface SchemaIssueDetail {
  readonly path: string
  readonly message: string
}

/** Every bad field of a failed decode, with the value the input held there; storable text (it is stored). */
export const schemaIssues = (error: Schema.SchemaError, input: unknown): ReadonlyArray<SchemaIssueDetail> =>
  formatIssues(error.issue).issues.map((issue) => {
    const path = (issue.path ?? []).map(keyOf)
    const received =
      issue.message === "Missing key" || personalFields.has(String(path[0]))
        ? ""
        : `, got ${shown(valueAt(input, path))}`
    return { path: storableText(path.map(String).join(".")), message: storableText(`${issue.message}${received}`) }
  })

/** "index: Expected number, got \"7\"; unique_id: Missing key" — every bad field, named, with what it held. */
export const describeSchemaError = (error: Schema.SchemaError, input: unknown): string =>
  schemaIssues(error, input)
    .map((issue) => (issue.path.length > 0 ? `${issue.path}: ${issue.message}` : issue.message))
    .join("; ")

/**
 * The id, when the input has a usable one (what rule 1 accepts as `unique_id`: storable, non-blank, at
 * most 256 code points once trimmed), trimmed: rejects keep it so they can be traced, and it must be
 * storable even when the rest of the event is not.
 */
export const readableId = (input: unknown): string | undefined =>
  typeof input === "object" && input !== null && "unique_id" in input ? storableId(input.unique_id) : undefined

const schemaRejection = (input: unknown, error: Schema.SchemaError): Rejection => {
  const unique_id = readableId(input)
  const detail = describeSchemaError(error, input)
  return unique_id === undefined ? { reason: "schema", detail } : { reason: "schema", detail, unique_id }
}

const decodePinEvent = Schema.decodeUnknownResult(PinEvent, { errors: "all" })
const decodeLoggedPinEvent = Schema.decodeUnknownResult(LoggedPinEvent, { errors: "all" })

/** Cleans any value as posted by a client (rule 1, then the rest). */
export const cleanPin = (input: unknown): CleanOutcome =>
  Result.match(decodePinEvent(input), {
    onFailure: (error) => Result.fail(schemaRejection(input, error)),
    onSuccess: cleanEvent
  })

/**
 * Cleans any value read back from the `pins` topic or the archive (an event stamped with `ingested_at`).
 * The common plain event skips the schema's general decoder (`decodePlainLoggedPinEvent`, which agrees
 * with it); anything else, every reject included, is the schema's to decide and word.
 */
export const cleanLoggedPin = (input: unknown): CleanOutcome => {
  const plain = decodePlainLoggedPinEvent(input)
  return plain !== undefined
    ? cleanEvent(plain)
    : Result.match(decodeLoggedPinEvent(input), {
        onFailure: (error) => Result.fail(schemaRejection(input, error)),
        onSuccess: cleanEvent
      })
}

// the parser's message may quote the text, NUL included
const invalidJson = (message: string): Rejection => ({ reason: "invalid_json", detail: storableText(message) })

/** Cleans one line of NDJSON as posted: a line that is not JSON is an `invalid_json` rejection. */
export const cleanPinLine = (line: string): CleanOutcome =>
  Result.match(parseJson(line), { onFailure: (m) => Result.fail(invalidJson(m)), onSuccess: cleanPin })

/** Cleans one Kafka message value or archived line (JSON of a stamped event). */
export const cleanLoggedPinLine = (line: string): CleanOutcome =>
  Result.match(parseJson(line), { onFailure: (m) => Result.fail(invalidJson(m)), onSuccess: cleanLoggedPin })
