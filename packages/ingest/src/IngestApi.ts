/**
 * The ingest HTTP contract as Schemas: the `HttpApi` that serves the endpoints and generates
 * `/openapi.json`, and the exact response bodies (success and every error) the handlers send.
 */
import { type EventType, eventTypes, RejectReason } from "@pinflow/domain"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"

/** One bad field: `path` is dotted ("tags.0"), empty for the whole value. */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type Issue = typeof Issue.Type

/** The posted schema's key field (a pin's `unique_id`, a geo or user event's `ind`), as the replies name it. */
const keyField = (type: EventType): Schema.Top => {
  const fields = (type.posted as unknown as { readonly fields?: Record<string, Schema.Top> }).fields
  return fields?.[type.table.key] ?? Schema.Unknown
}

/** `POST /<name>/`'s answer: the event's key as posted. */
export const Accepted = (type: EventType) =>
  Schema.Struct({ status: Schema.Literal("accepted"), [type.table.key]: keyField(type) })

export const EventResult = (type: EventType) =>
  Schema.Union([
    Schema.Struct({ position: Schema.Int, status: Schema.Literal("accepted"), [type.table.key]: keyField(type) }),
    Schema.Struct({
      position: Schema.Int,
      status: Schema.Literal("rejected"),
      reason: RejectReason,
      issues: Schema.Array(Issue)
    })
  ])
/** One event's result in a `POST /<plural>` answer: the key field is the type's (`unique_id`, `ind`). */
export type EventResult =
  | ({ readonly position: number; readonly status: "accepted" } & Record<string, unknown>)
  | {
      readonly position: number
      readonly status: "rejected"
      readonly reason: RejectReason
      readonly issues: ReadonlyArray<Issue>
    }

/** `POST /<plural>`: counts and one result per event, in the order posted (`position` from 0). */
export const BatchResult = (type: EventType) =>
  Schema.Struct({
    accepted: Schema.Int,
    rejected: Schema.Int,
    results: Schema.Array(EventResult(type))
  })
export interface BatchResult {
  readonly accepted: number
  readonly rejected: number
  readonly results: ReadonlyArray<EventResult>
}

/** `POST /<name>/` of an event that is not one: `error` names the type ("invalid pin", "invalid geo"). */
export const InvalidEvent = (type: EventType) =>
  Schema.Struct({ error: Schema.Literal(`invalid ${type.name}`), issues: Schema.Array(Issue) })

/** Every error body: `error` is a stable phrase; the other fields say what to change. */
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

const capitalized = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`

/** The operation ids of a type's two endpoints: `postPin`/`postPins`, `postGeo`/`postGeos`, … */
export const operationsOf = (type: EventType) =>
  ({ one: `post${capitalized(type.name)}`, many: `post${capitalized(type.plural)}` }) as const

/** `POST /<name>/` (one event) and `POST /<plural>` (many) of a registered type, with the pins' contract. */
const eventEndpoints = (type: EventType) => {
  const { one, many } = operationsOf(type)
  return [
    HttpApiEndpoint.post(one, `/${type.name}/`, {
      payload: type.posted,
      success: Accepted(type),
      error: [
        Schema.Union([InvalidEvent(type), MalformedJson]).pipe(HttpApiSchema.status(400)),
        TooLarge.pipe(HttpApiSchema.status(413)),
        ...errors
      ]
    }).annotateMerge(
      OpenApi.annotations({
        summary: `Post one ${type.name} event`,
        description: `200 once Kafka (all in-sync replicas) has acknowledged it.${type.name === "pin" ? " `poster_name` is dropped at the edge." : ""} Invalid events are also kept, with the reason, on the rejected topic. Requires \`Authorization: Bearer <INGEST_API_KEY>\` when the server has a key.`
      })
    ),
    HttpApiEndpoint.post(many, `/${type.plural}`, {
      payload: [Schema.Array(type.posted), Ndjson],
      success: BatchResult(type),
      error: [
        Schema.Union([BatchResult(type), MalformedJson, NoEvents]).pipe(HttpApiSchema.status(400)),
        // every event too large (per-event results), too many events, or a body over the limit
        Schema.Union([BatchResult(type), TooManyEvents, TooLarge]).pipe(HttpApiSchema.status(413)),
        ...errors
      ]
    }).annotateMerge(
      OpenApi.annotations({
        summary: `Post many ${type.name} events (JSON array or NDJSON)`,
        description: `A JSON array, one event, or NDJSON (\`application/x-ndjson\`, one event per line). Valid events are produced even when others are invalid. 200 with per-event results when at least one event was accepted; 400 (same body) when none was, 413 when every one was too large. 503 means none of them is acknowledged: retry the whole request (repeats of a ${type.table.key} are harmless).`
      })
    )
  ] as const
}

const probes = HttpApiGroup.make("ingest", { topLevel: true })
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
  )

/**
 * Every registered type's endpoints, then the probes. Built from the registry, so the group's type
 * cannot list the operations: the handlers are registered by `operationsOf` the same way.
 */
export const IngestGroup = eventTypes.reduce(
  // biome-ignore lint/suspicious/noExplicitAny: endpoints of runtime-many types
  (group: any, type) => group.add(...eventEndpoints(type)),
  probes
) as typeof probes

export class IngestApi extends HttpApi.make("pinflow-ingest")
  .add(IngestGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "pinflow ingest",
      description:
        'The HTTP edge of pinflow: pin, geo and user events in, durable in Kafka before the answer. Another method on a declared path answers 405 with an `Allow` header and a JSON body `{error: "method not allowed", detail}`; an unknown path 404 `{error: "not found", detail}`.'
    })
  ) {}
