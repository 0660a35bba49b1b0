/**
 * The ingest HTTP contract as Schemas: the `HttpApi` that serves the endpoints and generates
 * `/openapi.json`, and the exact response bodies (success and every error) the handlers send.
 */
import { PinEvent, RejectReason } from "@pinflow/domain"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"

/** One bad field: `path` is dotted ("tags.0"), empty for the whole value. */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type Issue = typeof Issue.Type

export const Accepted = Schema.Struct({ status: Schema.Literal("accepted"), unique_id: Schema.String })

export const EventResult = Schema.Union([
  Schema.Struct({ position: Schema.Int, status: Schema.Literal("accepted"), unique_id: Schema.String }),
  Schema.Struct({
    position: Schema.Int,
    status: Schema.Literal("rejected"),
    reason: RejectReason,
    issues: Schema.Array(Issue)
  })
])
export type EventResult = typeof EventResult.Type

/** `/pins`: counts and one result per event, in the order posted (`position` from 0). */
export const BatchResult = Schema.Struct({
  accepted: Schema.Int,
  rejected: Schema.Int,
  results: Schema.Array(EventResult)
})
export type BatchResult = typeof BatchResult.Type

/** Every error body: `error` is a stable phrase; the other fields say what to change. */
export const InvalidPin = Schema.Struct({ error: Schema.Literal("invalid pin"), issues: Schema.Array(Issue) })
export const MalformedJson = Schema.Struct({ error: Schema.Literal("malformed JSON"), detail: Schema.String })
export const NoEvents = Schema.Struct({ error: Schema.Literal("no events"), detail: Schema.String })
export const Unauthorized = Schema.Struct({ error: Schema.Literal("unauthorized"), detail: Schema.String })
/**
 * A body over its limit (`limit_bytes`), or an event whose Kafka message would be over
 * `INGEST_MAX_MESSAGE_BYTES` (`reason: "too_large"`, `limit_bytes`), or a request the queue in front of
 * Kafka could never hold (neither).
 */
export const TooLarge = Schema.Struct({
  error: Schema.Literal("payload too large"),
  reason: Schema.optionalKey(Schema.Literal("too_large")),
  detail: Schema.String,
  limit_bytes: Schema.optionalKey(Schema.Int)
})
/** `/pins` with more than `INGEST_MAX_EVENTS` events. */
export const TooManyEvents = Schema.Struct({
  error: Schema.Literal("too many events"),
  detail: Schema.String,
  limit_events: Schema.Int
})
export const UnsupportedMediaType = Schema.Struct({
  error: Schema.Literal("unsupported media type"),
  detail: Schema.String
})
export const Unavailable = Schema.Struct({
  error: Schema.Literal("unavailable"),
  reason: Schema.Literals(["overloaded", "down", "timeout", "failed", "closed"]),
  detail: Schema.String,
  retry_after_seconds: Schema.Int
})
export const NotFound = Schema.Struct({ error: Schema.Literal("not found"), detail: Schema.String })
export const MethodNotAllowed = Schema.Struct({ error: Schema.Literal("method not allowed"), detail: Schema.String })

const Ndjson = Schema.String.pipe(HttpApiSchema.asText({ contentType: "application/x-ndjson" }))

const Text = Schema.String.pipe(HttpApiSchema.asText())

const errors = [
  Unauthorized.pipe(HttpApiSchema.status(401)),
  UnsupportedMediaType.pipe(HttpApiSchema.status(415)),
  Unavailable.pipe(HttpApiSchema.status(503))
] as const

export class IngestGroup extends HttpApiGroup.make("ingest", { topLevel: true })
  .add(
    HttpApiEndpoint.post("postPin", "/pin/", {
      payload: PinEvent,
      success: Accepted,
      error: [
        Schema.Union([InvalidPin, MalformedJson]).pipe(HttpApiSchema.status(400)),
        TooLarge.pipe(HttpApiSchema.status(413)),
        ...errors
      ]
    }).annotateMerge(
      OpenApi.annotations({
        summary: "Post one pin event",
        description:
          "200 once Kafka (all in-sync replicas) has acknowledged it. `poster_name` is dropped at the edge. Invalid events are also kept, with the reason, on the rejected topic. Requires `Authorization: Bearer <INGEST_API_KEY>` when the server has a key."
      })
    )
  )
  .add(
    HttpApiEndpoint.post("postPins", "/pins", {
      payload: [Schema.Array(PinEvent), Ndjson],
      success: BatchResult,
      error: [
        Schema.Union([BatchResult, MalformedJson, NoEvents]).pipe(HttpApiSchema.status(400)),
        // every event too large (per-event results), too many events, or a body over the limit
        Schema.Union([BatchResult, TooManyEvents, TooLarge]).pipe(HttpApiSchema.status(413)),
        ...errors
      ]
    }).annotateMerge(
      OpenApi.annotations({
        summary: "Post many pin events (JSON array or NDJSON)",
        description:
          "A JSON array, one event, or NDJSON (`application/x-ndjson`, one event per line). Valid events are produced even when others are invalid. 200 with per-event results when at least one event was accepted; 400 (same body) when none was, 413 when every one was too large. 503 means none of them is acknowledged: retry the whole request (repeats of a unique_id are harmless)."
      })
    )
  )
  .add(HttpApiEndpoint.get("healthz", "/healthz", { success: Text }))
  .add(
    HttpApiEndpoint.get("readyz", "/readyz", {
      success: Text,
      error: Text.pipe(HttpApiSchema.status(503))
    }).annotateMerge(
      OpenApi.annotations({
        description: "Whether Kafka answered the last health probe (every 2 s); never a broker round trip per request."
      })
    )
  ) {}

export class IngestApi extends HttpApi.make("pinflow-ingest")
  .add(IngestGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "pinflow ingest",
      description:
        'The HTTP edge of pinflow: pin events in, durable in Kafka before the answer. Another method on a declared path answers 405 with an `Allow` header and a JSON body `{error: "method not allowed", detail}`; an unknown path 404 `{error: "not found", detail}`.'
    })
  ) {}
