/**
 * `POST /pin/` and `POST /pins`: key check, bounded body, structural check, one acknowledged write of
 * the valid events and the rejects together, and the exact answer. A 200 is only ever sent after Kafka
 * acknowledged every event it covers; any doubt about durability is a 503 with `Retry-After`.
 */
import type { EncodedPin, PinLogService, PinLogUnavailable, PinLogWrite } from "@pinflow/adapters"
import { parseJson, type RejectedEvent } from "@pinflow/domain"
import { Clock, Effect, Metric, Result } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { makeKeyCheck } from "./ApiKey.ts"
import { type Checked, checkValue, invalidJson, parseBatch } from "./EdgeCheck.ts"
import type { BatchResult, EventResult } from "./IngestApi.ts"
import { countRejected, eventsAccepted } from "./IngestMetrics.ts"
import type { IngestSettingsShape } from "./IngestSettings.ts"
import { type BodyError, readText } from "./RequestBody.ts"

const eventsUnavailable = Metric.counter("pinflow_events_unavailable_total", {
  description: "Events answered 503 because Kafka could not take them in time, by reason",
  incremental: true
})

const reply = (body: unknown, status: number, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, headers === undefined ? { status } : { status, headers })

const retryAfter: Record<PinLogUnavailable["reason"], number> = {
  overloaded: 1,
  timeout: 2,
  failed: 2,
  down: 5,
  closed: 1
}

const unavailable = (error: PinLogUnavailable, events: number) => {
  const seconds = retryAfter[error.reason]
  return Metric.update(Metric.withAttributes(eventsUnavailable, { reason: error.reason }), events).pipe(
    Effect.as(
      reply({ error: "unavailable", reason: error.reason, detail: error.message, retry_after_seconds: seconds }, 503, {
        "retry-after": String(seconds)
      })
    )
  )
}

const bodyRefused = (error: BodyError) => {
  switch (error._tag) {
    case "BodyTooLarge":
      return reply(
        {
          error: "payload too large",
          detail: `the body is over ${error.limit} bytes; split it into smaller requests`,
          limit_bytes: error.limit
        },
        413
      )
    case "UnsupportedMedia":
      return reply(
        {
          error: "unsupported media type",
          detail: `Content-Type ${JSON.stringify(error.contentType)} is not JSON; send application/json (or application/x-ndjson to /pins)`
        },
        415
      )
    case "UnreadableBody":
      return reply({ error: "malformed JSON", detail: `the body could not be read: ${error.detail}` }, 400)
  }
}

export const makePostHandlers = (log: PinLogService, settings: IngestSettingsShape) => {
  const checkKey = makeKeyCheck(settings.apiKey)
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

  const authorize = (request: HttpServerRequest.HttpServerRequest) => {
    const check = checkKey(request.headers.authorization)
    return check === "ok"
      ? undefined
      : reply(
          {
            error: "unauthorized",
            detail:
              check === "missing"
                ? "send Authorization: Bearer <INGEST_API_KEY>"
                : "the bearer key does not match INGEST_API_KEY"
          },
          401,
          { "www-authenticate": 'Bearer realm="pinflow-ingest"' }
        )
  }

  /** Rejects are kept best-effort: the client already hears why its event was refused. */
  const keepRejects = (rejected: ReadonlyArray<RejectedEvent>) =>
    rejected.length === 0
      ? Effect.void
      : log
          .write({ pins: [], rejected })
          .pipe(
            Effect.catch((error) =>
              Effect.logWarning("rejected events not logged").pipe(
                Effect.annotateLogs({ reason: error.reason, events: rejected.length })
              )
            )
          )

  const postPin = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      const refused = authorize(request)
      if (refused !== undefined) return refused
      const body = yield* Effect.result(readText(request, settings.maxPinBody))
      if (Result.isFailure(body)) return bodyRefused(body.failure)
      const at = yield* now
      const parsed = parseJson(body.success)
      if (Result.isFailure(parsed)) {
        yield* keepRejects([invalidJson(body.success, parsed.failure, at)])
        yield* countRejected("invalid_json")
        return reply({ error: "malformed JSON", detail: parsed.failure }, 400)
      }
      const checked = checkValue(parsed.success, at, settings.maxEventBytes)
      if (checked._tag === "Invalid") {
        yield* keepRejects([checked.reject])
        yield* countRejected(checked.reject.reason)
        return checked.tooLarge
          ? reply(
              {
                error: "payload too large",
                detail: checked.reject.detail,
                limit_bytes: settings.maxEventBytes
              },
              413
            )
          : reply({ error: "invalid pin", issues: checked.issues }, 400)
      }
      const written = yield* Effect.result(log.write({ pins: [checked.encoded], rejected: [] }))
      if (Result.isFailure(written)) return yield* unavailable(written.failure, 1)
      yield* Metric.update(eventsAccepted, 1)
      return reply({ status: "accepted", unique_id: checked.event.unique_id }, 200)
    })

  const postPins = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      const refused = authorize(request)
      if (refused !== undefined) return refused
      const body = yield* Effect.result(readText(request, settings.maxPinsBody))
      if (Result.isFailure(body)) return bodyRefused(body.failure)
      const at = yield* now
      const batch = parseBatch(body.success)
      if (batch._tag === "Malformed") {
        yield* keepRejects([invalidJson(body.success, batch.detail, at)])
        yield* countRejected("invalid_json")
        return reply({ error: "malformed JSON", detail: batch.detail }, 400)
      }
      if (batch.values.length === 0) {
        return reply({ error: "no events", detail: "send a JSON array of events or one event per line" }, 400)
      }
      const pins: Array<EncodedPin> = []
      const rejected: Array<RejectedEvent> = []
      const results: Array<EventResult> = []
      const rejectedByReason = new Map<string, number>()
      batch.values.forEach((value, position) => {
        const checked: Checked = Result.isSuccess(value)
          ? checkValue(value.success, at, settings.maxEventBytes)
          : {
              _tag: "Invalid",
              reject: invalidJson(value.failure.line, value.failure.detail, at),
              issues: [{ path: "", message: `not JSON: ${value.failure.detail}` }],
              tooLarge: false
            }
        if (checked._tag === "Valid") {
          pins.push(checked.encoded)
          results.push({ position, status: "accepted", unique_id: checked.event.unique_id })
        } else {
          rejected.push(checked.reject)
          rejectedByReason.set(checked.reject.reason, (rejectedByReason.get(checked.reject.reason) ?? 0) + 1)
          results.push({ position, status: "rejected", reason: checked.reject.reason, issues: checked.issues })
        }
      })
      const write: PinLogWrite = { pins, rejected }
      if (pins.length === 0) yield* keepRejects(rejected)
      else {
        const written = yield* Effect.result(log.write(write))
        if (Result.isFailure(written)) return yield* unavailable(written.failure, pins.length)
        yield* Metric.update(eventsAccepted, pins.length)
      }
      for (const [reason, n] of rejectedByReason) yield* countRejected(reason, n)
      const result: BatchResult = { accepted: pins.length, rejected: rejected.length, results }
      return reply(result, pins.length > 0 ? 200 : 400)
    })

  return { postPin, postPins }
}
