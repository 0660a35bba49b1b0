/**
 * The edge's Prometheus metrics (design: accepted, rejected by reason, HTTP requests and latency by
 * route and status) and the router middleware that records every request, unknown routes included.
 */
import { eventTypes } from "@pinflow/domain"
import { Clock, type Context, Effect, Metric } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"

export const eventsAccepted = Metric.counter("pinflow_events_accepted_total", {
  description: "Events acknowledged by Kafka and answered 200",
  incremental: true
})

export const eventsRejected = Metric.counter("pinflow_events_rejected_total", {
  description: "Events refused at the edge, by reason",
  incremental: true
})

const httpRequests = Metric.counter("pinflow_http_requests_total", {
  description: "HTTP requests by route, method and status",
  incremental: true
})

const httpSeconds = Metric.histogram("pinflow_http_request_duration_seconds", {
  description: "HTTP request latency by route and status",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

/** Labelled counters are built once per label set: building them per request costs more than counting. */
const counters = new Map<string, Metric.Counter<number>>()
const counter = (metric: Metric.Counter<number>, attributes: Record<string, string>) => {
  const key = `${metric.id} ${Object.values(attributes).join(" ")}`
  let found = counters.get(key)
  if (found === undefined) {
    found = Metric.withAttributes(metric, attributes)
    counters.set(key, found)
  }
  return found
}

/** `n` events of `eventType` refused for `reason`. */
export const countRejected = (eventType: string, reason: string, n = 1) =>
  n === 0 ? Effect.void : Metric.update(counter(eventsRejected, { event_type: eventType, reason }), n)

/** One acknowledged event of `eventType`, as an effect built once (the single-event path's increment). */
export const acceptedCounter = (eventType: string) =>
  Metric.update(counter(eventsAccepted, { event_type: eventType }), 1)

/** `n` events of `eventType` acknowledged. */
export const countAccepted = (eventType: string, n: number) =>
  n === 0 ? Effect.void : Metric.update(counter(eventsAccepted, { event_type: eventType }), n)

/** The route of each path the edge answers (`/pin` is the seed clients' `/pin/`; every type's single path alike). */
const routes: ReadonlyMap<string, string> = new Map([
  ...eventTypes.flatMap((t) => [
    [`/${t.name}/`, `/${t.name}/`] as const,
    [`/${t.name}`, `/${t.name}/`] as const,
    [`/${t.plural}`, `/${t.plural}`] as const
  ]),
  ...["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"].map((p) => [p, p] as const)
])

/** The route template for labels; unknown paths share one label so scanners cannot explode the series. */
const routeOf = (url: string): string => routes.get(url.split("?")[0] ?? "") ?? "unmatched"

/** Labelled metrics are built once per label set: building them per request costs more than counting. */
const labelled = new Map<string, { readonly count: Metric.Counter<number>; readonly time: Metric.Histogram<number> }>()
const metricsFor = (route: string, status: string, method: string) => {
  const key = `${route} ${status} ${method}`
  let found = labelled.get(key)
  if (found === undefined) {
    found = {
      count: Metric.withAttributes(httpRequests, { route, status, method }),
      time: Metric.withAttributes(httpSeconds, { route, status })
    }
    labelled.set(key, found)
  }
  return found
}

/** Counts and times one answered request: both updates in one step (`Metric.update` is a step each). */
const record = (request: HttpServerRequest.HttpServerRequest, status: number, seconds: number) =>
  Effect.contextWith((context: Context.Context<never>) => {
    const metrics = metricsFor(routeOf(request.url), String(status), request.method)
    metrics.count.updateUnsafe(1, context)
    metrics.time.updateUnsafe(seconds, context)
    return Effect.void
  })

export const HttpMetricsMiddleware = HttpRouter.middleware(
  (httpEffect) =>
    Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (request) =>
      Effect.flatMap(Clock.currentTimeMillis, (started) =>
        Effect.flatMap(httpEffect, (response) =>
          Effect.flatMap(Clock.currentTimeMillis, (ended) =>
            Effect.as(record(request, response.status, (ended - started) / 1000), response)
          )
        )
      )
    ),
  { global: true }
)
