/**
 * `/openapi.json` as the server enforces it: the document generated from `IngestApi`'s Schemas, with the
 * running limits and what JSON Schema can only say in its own words — extra keys are ignored (not
 * refused), "white space" means what `String.prototype.trim` removes (a fuzzer's regex engine has
 * another `\s`), no string holds NUL, and `/<plural>` is accepted when at least one element is a valid event.
 */
import { eventTypes } from "@pinflow/domain"
import { OpenApi } from "effect/http-api"
import { IngestApi } from "./IngestApi.ts"
import type { IngestSettingsShape } from "./IngestSettings.ts"

type Json = Record<string, unknown>

// ECMAScript WhiteSpace + LineTerminator: exactly what String.prototype.trim removes
const whiteSpace = "\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
const space = `[${whiteSpace}]`
const nonSpace = `[^${whiteSpace}\\u0000]`
const anyChar = "[^\\u0000]"

/** A pattern with trim's white space spelled out and NUL excluded, whichever regex engine reads it. */
const portablePattern = (pattern: string): string =>
  pattern.replaceAll("[\\s\\S]", anyChar).replaceAll("\\S", nonSpace).replaceAll("\\s", space)

/** Rule 1's numbers, spelled out: a Schema of numbers also describes the strings it encodes NaN and ±Infinity as. */
const numbers: Record<string, Json> = {
  index: { type: "integer", minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
  downloaded: { type: "integer", enum: [0, 1] }
}

/** The event's JSON Schema as the server decides it: extra keys ignored, every string without NUL. */
const eventSchema = (generated: Json): Json => {
  const { additionalProperties: _refusesExtraKeys, ...schema } = generated
  const properties: Record<string, Json> = {}
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    if (numbers[key] !== undefined) properties[key] = numbers[key]
    else if (property.type !== "string") properties[key] = property
    else if (typeof property.pattern === "string")
      properties[key] = { ...property, pattern: portablePattern(property.pattern) }
    else properties[key] = { ...property, pattern: `^${anyChar}*$` }
  }
  return { ...schema, properties }
}

const jsonBody = (operation: Json): Json =>
  ((operation.requestBody as Json).content as Record<string, Json>)["application/json"] as Json

const bodyLimit = (bytes: number) =>
  `The body is at most ${bytes} bytes (413 above); one event's Kafka message (key + value) at most the server's INGEST_MAX_MESSAGE_BYTES (413, reason too_large).`

const getOnly = (operationId: string, description: string, mediaType: string, schema: Json) => ({
  get: {
    operationId,
    description,
    responses: { 200: { description: "Success", content: { [mediaType]: { schema } } } }
  }
})

/** The OpenAPI document of the edge for these settings. */
export const openApiContract = (settings: IngestSettingsShape): Json => {
  const spec = structuredClone(OpenApi.fromApi(IngestApi)) as unknown as Json
  const paths = spec.paths as Record<string, Record<string, Json>>
  for (const type of eventTypes) {
    const postOne = paths[`/${type.name}/`]?.post as Json
    const postMany = paths[`/${type.plural}`]?.post as Json
    const event = eventSchema(jsonBody(postOne).schema as Json)
    jsonBody(postOne).schema = event
    postOne.description = `${postOne.description} ${bodyLimit(settings.maxPinBody)}`
    // NDJSON is accepted too (one event per line), but no JSON Schema of a string says "valid events"
    ;(postMany.requestBody as Json).content = {
      "application/json": {
        schema: {
          anyOf: [{ type: "array", minItems: 1, maxItems: settings.maxEvents, contains: event }, event]
        }
      }
    }
    postMany.description = `${postMany.description} At most ${settings.maxEvents} events (413 above). ${bodyLimit(settings.maxPinsBody)}`
  }
  // served beside the HttpApi (Prometheus, this document, the Scalar page): declared so their answers are checked too
  paths["/metrics"] = getOnly("metrics", "Prometheus text exposition of the edge's metrics", "text/plain", {
    type: "string"
  })
  paths["/openapi.json"] = getOnly("openapi", "This document", "application/json", { type: "object" })
  paths["/docs"] = getOnly("docs", "The API browsable (Scalar)", "text/html", { type: "string" })
  return spec
}
