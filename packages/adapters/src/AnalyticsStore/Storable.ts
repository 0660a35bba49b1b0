/**
 * What Postgres will store, and what to do with a row it refuses. `text` holds neither NUL nor lone
 * surrogates (the client would send U+FFFD, so two different strings could collide), so reject rows carry
 * them escaped as `\u0000` / `\udXXX`; a row still refused is stored in a last-resort form (ASCII only,
 * bounded). Connectivity failures (SQLSTATE classes 08, 53, 57, 58, or no SQLSTATE at all: a closed socket,
 * a timeout) are the server's fault and are retried by the caller; any other SQLSTATE is the row's fault
 * and is isolated to that row.
 */
import type { BatchReject } from "../AnalyticsStore.ts"
import { isConnectivityError, sqlState } from "../DatabaseFailure.ts"

/** Whether the server refused the statement because of the rows it carried (an answer, not an outage). */
export const isolatable = (cause: unknown): boolean => sqlState(cause) !== undefined && !isConnectivityError(cause)

const hex4 = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`

// NUL, or a surrogate not part of a pair
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character Postgres text refuses
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** The text with NUL and lone surrogates written as JSON-style escapes; other text unchanged. */
export const storableText = (text: string): string => text.replace(unstorable, (c) => hex4(c.charCodeAt(0)))

const optional = (text: string | undefined) => (text === undefined ? undefined : storableText(text))

/** The reject with every text field storable. */
export const storableReject = (reject: BatchReject): BatchReject => ({
  ...reject,
  reason: storableText(reject.reason),
  detail: storableText(reject.detail),
  raw: storableText(reject.raw),
  unique_id: optional(reject.unique_id),
  topic: optional(reject.topic),
  object_key: optional(reject.object_key)
})

/** Every character outside printable ASCII escaped: text nothing refuses for its content. */
const asciiOnly = (text: string): string => text.replace(/[^\x20-\x7e]/g, (c) => hex4(c.charCodeAt(0)))

const lastResortRawChars = 64 * 1024
const lastResortDetailChars = 2048

const bounded = (text: string, limit: number) =>
  text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length - limit} more characters)`

/**
 * A reject row the database refused, in the form kept instead: reason `unstorable`, the original reason and
 * the refusal in `detail`, the raw payload ASCII-escaped and bounded, the same coordinates (so a re-run
 * still adds none).
 */
export const lastResortReject = (reject: BatchReject, refusal: string): BatchReject => ({
  event_type: reject.event_type,
  reason: "unstorable",
  detail: bounded(
    asciiOnly(`${reject.reason}: ${reject.detail} (refused by the database: ${refusal})`),
    lastResortDetailChars
  ),
  raw: bounded(asciiOnly(reject.raw), lastResortRawChars),
  topic: reject.topic === undefined ? undefined : asciiOnly(reject.topic),
  partition: reject.partition,
  offset: reject.offset,
  object_key: reject.object_key === undefined ? undefined : asciiOnly(reject.object_key),
  line: reject.line
})
