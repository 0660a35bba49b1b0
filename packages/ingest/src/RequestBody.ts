/**
 * Reads a request body within a byte limit: refused from `Content-Length` before any byte is read,
 * and capped while streaming when the length is not declared (chunked). Only JSON media types pass.
 */
import { ByteSize, Data, Effect, Option } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"

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
export const checkMediaType = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void, UnsupportedMedia> => {
  const header = request.headers["content-type"]
  return header === undefined || header.trim() === "" || isJsonMediaType(header)
    ? Effect.void
    : Effect.fail(new UnsupportedMedia({ contentType: header }))
}

const declaredLength = (request: HttpServerRequest.HttpServerRequest): Option.Option<number> => {
  const header = request.headers["content-length"]
  if (header === undefined) return Option.none()
  const n = Number(header)
  return Number.isSafeInteger(n) && n >= 0 ? Option.some(n) : Option.none()
}

/** The body as text, or a typed refusal; never more than `limit` bytes are buffered. */
export const readText = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<string, BodyError> =>
  Effect.gen(function* () {
    yield* checkMediaType(request)
    const length = declaredLength(request)
    if (Option.isSome(length) && length.value > limit) return yield* new BodyTooLarge({ limit })
    return yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit)),
      Effect.catchTag("HttpServerError", (error) =>
        Effect.fail(
          error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
            ? new BodyTooLarge({ limit })
            : new UnreadableBody({ detail: error.message })
        )
      )
    )
  })
