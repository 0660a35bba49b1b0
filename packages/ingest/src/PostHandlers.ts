/**
 * `POST /<name>/` and `POST /<plural>` of every registered type (`/pin/`, `/pins`, `/geo/`, …): key check, bounded body, structural check, one acknowledged write of
 * the valid events and the rejects together, and the exact answer. A 200 is only ever sent after Kafka
 * acknowledged every event it covers; any doubt about durability is a 503 with `Retry-After`.
 */
import type {
  EncodedEvent,
  LogWrite,
  PinLogRefused,
  PinLogService,
  PinLogUnavailable,
  PinLogWriteError
} from "@pinflow/adapters"
import { type EventType, parseJson, type RejectedEvent } from "@pinflow/domain"
import { Clock, Effect, Metric, Result } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { makeKeyCheck } from "./ApiKey.ts"
import { splitBatch } from "./BatchBody.ts"
import { type Checked, checkValue, invalidJson, parserDetail } from "./EdgeCheck.ts"
import type { BatchResult, EventResult } from "./IngestApi.ts"
import { acceptedCounter, countAccepted, countRejected } from "./IngestMetrics.ts"
import type { IngestSettingsShape } from "./IngestSettings.ts"
import { type BodyError, readText } from "./RequestBody.ts"

const eventsUnavailable = Metric.counter("pinflow_events_unavailable_total", {
  description: "Events answered 503 because Kafka could not take them in time, by reason",
  incremental: true
})

/** A `/pins` body after its check: what to write and answer, a body that is not JSON, or an answer already. */
type CheckedBatch =
  | {
      readonly _tag: "Checked"
      readonly write: LogWrite
      readonly results: ReadonlyArray<EventResult>
      readonly rejectedByReason: ReadonlyMap<string, number>
    }
  | { readonly _tag: "Malformed"; readonly detail: string }
  | { readonly _tag: "Answer"; readonly answer: HttpServerResponse.HttpServerResponse }

const reply = (body: unknown, status: number, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, headers === undefined ? { status } : { status, headers })

/**
 * `POST /<name>/`'s 200, `{"status":"accepted","<key>":…}`: the same bytes `reply` would send, built by
 * joining a precomputed head to the key's JSON instead of stringifying an object per request.
 */
const acceptedReply = (type: EventType) => {
  const head = `{"status":"accepted",${JSON.stringify(type.table.key)}:`
  const options = { status: 200, contentType: "application/json" } as const
  return (key: unknown) => HttpServerResponse.text(`${head}${JSON.stringify(key)}}`, options)
}

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

/** A write the log can never take as it is: the client must make it smaller, not retry it. */
const refused = (error: PinLogRefused) =>
  reply(
    error.reason === "record_refused"
      ? { error: "payload too large", reason: "too_large", detail: error.message }
      : { error: "payload too large", detail: error.message },
    413
  )

const writeFailed = (error: PinLogWriteError, events: number) =>
  error._tag === "PinLogRefused" ? Effect.succeed(refused(error)) : unavailable(error, events)

const bodyRefused = (type: EventType, error: BodyError) => {
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
          detail: `Content-Type ${JSON.stringify(error.contentType)} is not JSON; send application/json (or application/x-ndjson to /${type.plural})`
        },
        415
      )
    case "UnreadableBody":
      return reply({ error: "malformed JSON", detail: `the body could not be read: ${error.detail}` }, 400)
  }
}

export const makePostHandlers = (log: PinLogService, settings: IngestSettingsShape) => {
  const checkKey = makeKeyCheck(settings.apiKey)

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
  const keepRejects = (type: EventType, rejected: ReadonlyArray<RejectedEvent>) =>
    rejected.length === 0
      ? Effect.void
      : log
          .write({ type: type.name, events: [], rejected })
          .pipe(
            Effect.catch((error) =>
              Effect.logWarning("rejected events not logged").pipe(
                Effect.annotateLogs({ reason: error.reason, events: rejected.length })
              )
            )
          )

  /** A body that is JSON but not an event of `type`: kept as a reject, counted, answered 400 or 413. */
  const invalidOne = (type: EventType, checked: Extract<Checked, { _tag: "Invalid" }>) =>
    keepRejects(type, [checked.reject]).pipe(
      Effect.andThen(countRejected(type.name, checked.reject.reason)),
      Effect.as(
        checked.reject.reason === "too_large"
          ? reply(
              {
                error: "payload too large",
                reason: "too_large",
                detail: checked.reject.detail,
                limit_bytes: settings.maxMessageBytes
              },
              413
            )
          : reply({ error: `invalid ${type.name}`, issues: checked.issues }, 400)
      )
    )

  /** A body that is not JSON: kept as an `invalid_json` reject and answered 400. */
  const malformed = (type: EventType, text: string, detail: string, at: Date) =>
    keepRejects(type, [invalidJson(text, detail, at)]).pipe(
      Effect.andThen(countRejected(type.name, "invalid_json")),
      Effect.as(reply({ error: "malformed JSON", detail }, 400))
    )

  /**
   * A POST handler: the key checked, the body read within `limit` (or refused with its 4xx), then `answer`
   * given the body's text and the time it arrived. The hot path is plain functions around three effects
   * (read, clock, write): a request's CPU is mostly the runtime's, so every step a plain call can do is one
   * fewer fiber step.
   */
  const handlePost = (
    type: EventType,
    limit: number,
    answer: (text: string, at: Date) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  ) => {
    const refusedBody = (error: BodyError) => Effect.succeed(bodyRefused(type, error))
    const answerText = (text: string) => Effect.flatMap(Clock.currentTimeMillis, (ms) => answer(text, new Date(ms)))
    return (request: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
      const refused = authorize(request)
      if (refused !== undefined) return Effect.succeed(refused)
      return Effect.matchEffect(readText(request, limit), { onFailure: refusedBody, onSuccess: answerText })
    }
  }

  const postOne = (type: EventType) => {
    const answer = acceptedReply(type)
    const accepted = acceptedCounter(type.name)
    return handlePost(type, settings.maxPinBody, (text, at) => {
      const parsed = parseJson(text)
      if (Result.isFailure(parsed)) return malformed(type, text, parserDetail(parsed.failure), at)
      const checked = checkValue(type, parsed.success, at, settings.maxMessageBytes)
      if (checked._tag === "Invalid") return invalidOne(type, checked)
      return log.write({ type: type.name, events: [checked.encoded], rejected: [] }).pipe(
        Effect.matchEffect({
          onFailure: (error) => writeFailed(error, 1),
          onSuccess: () => Effect.as(accepted, answer(checked.key))
        })
      )
    })
  }

  /**
   * A `/pins` body checked event by event, or the answer that ends it early. Only what the write and the
   * answer need leaves this function: the body's text and parsed values are garbage before Kafka is asked,
   * so a request waiting for its acknowledgement holds its encoded events and results, not its body twice.
   */
  const checkBatch = (type: EventType, text: string, at: Date): CheckedBatch => {
    const batch = splitBatch(text, settings.maxEvents)
    if (batch._tag === "TooMany") {
      return {
        _tag: "Answer",
        answer: reply(
          {
            error: "too many events",
            detail: `the request holds more than ${batch.limit} events; split it into smaller requests`,
            limit_events: batch.limit
          },
          413
        )
      }
    }
    if (batch._tag === "Malformed") return { _tag: "Malformed", detail: batch.detail }
    if (batch.values.length === 0) {
      return {
        _tag: "Answer",
        answer: reply({ error: "no events", detail: "send a JSON array of events or one event per line" }, 400)
      }
    }
    const events: Array<EncodedEvent> = []
    const rejected: Array<RejectedEvent> = []
    const results: Array<EventResult> = []
    const rejectedByReason = new Map<string, number>()
    batch.values.forEach((value, position) => {
      const checked: Checked = Result.isSuccess(value)
        ? checkValue(type, value.success, at, settings.maxMessageBytes)
        : {
            _tag: "Invalid",
            reject: invalidJson(value.failure.line, value.failure.detail, at),
            issues: [{ path: "", message: `not JSON: ${value.failure.detail}` }]
          }
      if (checked._tag === "Valid") {
        events.push(checked.encoded)
        results.push({ position, status: "accepted", [type.table.key]: checked.key })
      } else {
        rejected.push(checked.reject)
        rejectedByReason.set(checked.reject.reason, (rejectedByReason.get(checked.reject.reason) ?? 0) + 1)
        results.push({ position, status: "rejected", reason: checked.reject.reason, issues: checked.issues })
      }
    })
    return { _tag: "Checked", write: { type: type.name, events, rejected }, results, rejectedByReason }
  }

  /** Logs a checked batch and answers it; `checked` is all the request still holds while Kafka acknowledges. */
  const writeBatch = (type: EventType, checked: Extract<CheckedBatch, { _tag: "Checked" }>) =>
    Effect.gen(function* () {
      const { write, results, rejectedByReason } = checked
      const accepted = write.events.length
      const rejected = write.rejected.length
      if (accepted === 0) yield* keepRejects(type, write.rejected)
      else {
        const written = yield* Effect.result(log.write(write))
        if (Result.isFailure(written)) return yield* writeFailed(written.failure, accepted)
        yield* countAccepted(type.name, accepted)
      }
      for (const [reason, n] of rejectedByReason) yield* countRejected(type.name, reason, n)
      const result: BatchResult = { accepted, rejected, results }
      // nothing accepted: 413 when every event was only too large, else 400
      const status = accepted > 0 ? 200 : rejectedByReason.get("too_large") === rejected ? 413 : 400
      return reply(result, status)
    })

  const postMany = (type: EventType) =>
    handlePost(type, settings.maxPinsBody, (text, at) => {
      const checked = checkBatch(type, text, at)
      if (checked._tag === "Checked") return writeBatch(type, checked)
      if (checked._tag === "Malformed") return malformed(type, text, checked.detail, at)
      return Effect.succeed(checked.answer)
    })

  return { postOne, postMany }
}
