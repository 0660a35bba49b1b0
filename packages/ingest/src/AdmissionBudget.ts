/**
 * The admission budget: how many request-body bytes the edge works on at once (`INGEST_INFLIGHT_BYTES`).
 * A request reserves its declared `Content-Length` (a body sent without one, its path's limit) before a
 * byte is read, and holds it until its answer is built: text, parsed events, encoded messages and
 * results all scale with it. When the reservation does not fit, the answer is an immediate 503 with
 * `Retry-After` (design: "503 with Retry-After when the producer cannot keep up") — never a wait, so a
 * flood of large bodies costs the process bounded memory and the clients a fast, retryable refusal.
 */
import { Effect, Metric, Option, Semaphore } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpServerResponse } from "effect/http"

const requestsRefused = Metric.counter("pinflow_requests_over_budget_total", {
  description: "Requests answered 503 because the bytes in flight would pass INGEST_INFLIGHT_BYTES",
  incremental: true
})

/** Seconds a refused client is asked to wait: the budget frees as soon as the requests in flight answer. */
export const admissionRetryAfter = 1

const overBudget = (permits: number) =>
  HttpServerResponse.jsonUnsafe(
    {
      error: "unavailable",
      reason: "overloaded",
      detail: `the edge is working on ${permits} bytes of requests already (INGEST_INFLIGHT_BYTES); retry shortly`,
      retry_after_seconds: admissionRetryAfter
    },
    { status: 503, headers: { "retry-after": String(admissionRetryAfter) } }
  )

/** The bytes a request is charged: its declared length, or `limit` when it declares none. */
export const chargedBytes = (request: HttpServerRequest.HttpServerRequest, limit: number): number => {
  const header = request.headers["content-length"]
  if (header === undefined) return limit
  const n = Number(header)
  // an unparsable or oversized length reads nothing (413/400 before any byte), so it costs nothing
  return Number.isSafeInteger(n) && n >= 0 && n <= limit ? n : 0
}

export interface AdmissionBudget {
  /** Runs `handler` with the request's bytes reserved, or answers 503 at once when they do not fit. */
  readonly admit: <E, R>(
    request: HttpServerRequest.HttpServerRequest,
    limit: number,
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
}

/**
 * A budget of `bytes`, raised to `largestBody` when smaller: a body the limits allow must fit when the
 * edge is otherwise idle, or it could never be admitted.
 */
export const makeAdmissionBudget = (bytes: number, largestBody: number): AdmissionBudget => {
  const permits = Math.max(bytes, largestBody, 1)
  const semaphore = Semaphore.makeUnsafe(permits)
  const refuse = Metric.update(requestsRefused, 1).pipe(Effect.as(overBudget(permits)))
  return {
    admit: (request, limit, handler) => {
      const charge = chargedBytes(request, limit)
      if (charge === 0) return handler
      return Semaphore.withPermitsIfAvailable(semaphore, charge, handler).pipe(
        Effect.flatMap((answered) => (Option.isSome(answered) ? Effect.succeed(answered.value) : refuse))
      )
    }
  }
}
