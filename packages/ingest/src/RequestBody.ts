/**
 * Reads a Node request body within a byte limit: refused from `Content-Length` before any byte is read,
 * and capped while streaming when the length is not declared (chunked). Only JSON media types pass, and
 * only bytes that are UTF-8 text.
 */
import { isUtf8 } from "node:buffer"
import type { Readable } from "node:stream"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Data, Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"

export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {}
export class UnsupportedMedia extends Data.TaggedError("UnsupportedMedia")<{ readonly contentType: string }> {}
export class UnreadableBody extends Data.TaggedError("UnreadableBody")<{ readonly detail: string }> {}

export type BodyError = BodyTooLarge | UnsupportedMedia | UnreadableBody

const jsonTypes = new Set(["application/json", "application/x-ndjson", "application/ndjson", "application/jsonl"])

/** The media type without parameters, lower-cased; `application/*+json` counts as JSON. */
export const isJsonMediaType = (header: string): boolean => {
  const type = (header.split(";")[0] ?? "").trim().toLowerCase()
  return jsonTypes.has(type) || (type.startsWith("application/") && type.endsWith("+json"))
}

/** A missing Content-Type is taken as JSON (old clients); any other non-JSON type is refused. */
const acceptsMediaType = (header: string | undefined): boolean =>
  header === undefined || header.trim() === "" || isJsonMediaType(header)

const declaredLength = (request: HttpServerRequest.HttpServerRequest): Option.Option<number> => {
  const header = request.headers["content-length"]
  if (header === undefined) return Option.none()
  const n = Number(header)
  return Number.isSafeInteger(n) && n >= 0 ? Option.some(n) : Option.none()
}

/**
 * The Node request's bytes, read with plain listeners (the generic stream helpers cost more than the
 * rest of a small request). Past `limit` the rest is discarded unread into memory, never buffered.
 * With a declared length each chunk is copied into one buffer of that size as it arrives, so the socket's
 * chunks die young instead of waiting for the last one (and a copy of them all) in the old generation.
 */
const readIncoming = (
  incoming: Readable,
  limit: number,
  declared: Option.Option<number>
): Effect.Effect<string, BodyError> =>
  Effect.callback<string, BodyError>((resume) => {
    const whole = Option.isSome(declared) && declared.value > 0 ? Buffer.allocUnsafe(declared.value) : undefined
    const chunks: Array<Buffer> = []
    let size = 0
    const detach = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
      incoming.off("aborted", onAborted)
    }
    /** Stops reading into memory: the rest of the body drains unread, and the request fails with `error`. */
    const discard = (error: BodyError) => {
      detach()
      incoming.on("error", () => undefined)
      incoming.resume()
      resume(Effect.fail(error))
    }
    function onData(chunk: Buffer) {
      size += chunk.length
      if (size > limit) return discard(new BodyTooLarge({ limit }))
      if (whole === undefined) chunks.push(chunk)
      else if (size <= whole.length) chunk.copy(whole, size - chunk.length)
      // Node's parser holds a request to its Content-Length: kept total should that ever change
      else discard(new UnreadableBody({ detail: "the body is longer than its Content-Length" }))
    }
    function onEnd() {
      detach()
      const bytes =
        whole !== undefined
          ? whole.subarray(0, size)
          : chunks.length === 1
            ? (chunks[0] as Buffer)
            : Buffer.concat(chunks, size)
      // decoding would silently turn bad bytes into U+FFFD and store text the client never sent
      resume(
        isUtf8(bytes)
          ? Effect.succeed(bytes.toString("utf8"))
          : Effect.fail(new UnreadableBody({ detail: "the body is not valid UTF-8 text" }))
      )
    }
    function onError(error: Error) {
      detach()
      resume(Effect.fail(new UnreadableBody({ detail: error.message })))
    }
    function onAborted() {
      detach()
      resume(Effect.fail(new UnreadableBody({ detail: "the client closed the request" })))
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onError)
    incoming.on("aborted", onAborted)
    return Effect.sync(detach)
  })

/** The body as text, or a typed refusal; never more than `limit` bytes are buffered. */
export const readText = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<string, BodyError> => {
  // the header checks are plain calls: only the read itself needs to be an effect
  const contentType = request.headers["content-type"]
  if (!acceptsMediaType(contentType)) return Effect.fail(new UnsupportedMedia({ contentType: contentType ?? "" }))
  const length = declaredLength(request)
  if (Option.isSome(length) && length.value > limit) return Effect.fail(new BodyTooLarge({ limit }))
  return readIncoming(NodeHttpServerRequest.toIncomingMessage(request) as Readable, limit, length)
}
