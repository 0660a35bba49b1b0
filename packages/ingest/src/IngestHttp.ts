/**
 * The ingest routes: the `IngestApi` endpoints (posting handlers read their own bodies so limits,
 * media types and error bodies are exact), `/openapi.json` generated from the same Schemas, `/docs`,
 * Prometheus `/metrics`, a JSON 405 (with `Allow`) for another method on a known path, a JSON 404 for
 * everything else, and request metrics on all of them.
 */
import { PinLog } from "@pinflow/adapters"
import { eventTypes } from "@pinflow/domain"
import { Effect, Layer } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { PrometheusMetrics } from "effect/observability"
import { makeAdmissionBudget } from "./AdmissionBudget.ts"
import { IngestApi, operationsOf } from "./IngestApi.ts"
import { HttpMetricsMiddleware } from "./IngestMetrics.ts"
import { IngestSettings } from "./IngestSettings.ts"
import { openApiContract } from "./OpenApiContract.ts"
import { makePostHandlers } from "./PostHandlers.ts"

/** A defect here is a bug; the client still gets a JSON 500 and the cause goes to the log. */
const guarded = <E, R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  effect.pipe(
    Effect.catchCause((cause) =>
      Effect.logError("ingest handler failed", cause).pipe(
        Effect.as(HttpServerResponse.jsonUnsafe({ error: "internal error" }, { status: 500 }))
      )
    )
  )

/** A handler of a request as it came (the posting handlers read their own bodies). */
type RawHandler = (args: {
  readonly request: HttpServerRequest.HttpServerRequest
}) => Effect.Effect<HttpServerResponse.HttpServerResponse>

const IngestHandlers = HttpApiBuilder.group(IngestApi, "ingest", (handlers) =>
  Effect.gen(function* () {
    const log = yield* PinLog
    const settings = yield* IngestSettings
    const { postOne, postMany } = makePostHandlers(log, settings)
    const { admit } = makeAdmissionBudget(
      settings.maxInFlightBytes,
      Math.max(settings.maxPinBody, settings.maxPinsBody)
    )
    // every registered type's two endpoints (the group's type lists the probes only: see IngestGroup)
    const withEvents = eventTypes.reduce((all, type) => {
      const { one, many } = operationsOf(type)
      const add = all as unknown as { handleRaw: (name: string, handler: RawHandler) => unknown }
      const added = add.handleRaw(one, ({ request }) =>
        admit(request, settings.maxPinBody, guarded(postOne(type)(request)))
      ) as typeof add
      return added.handleRaw(many, ({ request }) =>
        admit(request, settings.maxPinsBody, guarded(postMany(type)(request)))
      ) as typeof all
    }, handlers)
    return withEvents
      .handleRaw("healthz", () => Effect.succeed(HttpServerResponse.text("ok")))
      .handleRaw("readyz", () =>
        Effect.map(log.ready, (ready) =>
          ready
            ? HttpServerResponse.text("ready")
            : HttpServerResponse.text("Kafka unreachable", { status: 503, headers: { "retry-after": "5" } })
        )
      )
  })
)

/** The methods each path of the edge answers (`/pin` is the seed clients' `/pin/`; `/geo`, `/user` alike). */
const allowedMethods: ReadonlyMap<string, string> = new Map([
  ...eventTypes.flatMap((t) => [
    [`/${t.name}/`, "POST"] as const,
    [`/${t.name}`, "POST"] as const,
    [`/${t.plural}`, "POST"] as const
  ]),
  ["/healthz", "GET"],
  ["/readyz", "GET"],
  ["/metrics", "GET"],
  ["/openapi.json", "GET"],
  ["/docs", "GET"]
])

/** Whatever no route took: a known path with another method is a 405 with `Allow`, anything else a 404. */
const Unrouted = HttpRouter.add("*", "/*", (request) => {
  const path = request.url.split("?")[0] ?? ""
  const allow = allowedMethods.get(path)
  return Effect.succeed(
    allow === undefined
      ? HttpServerResponse.jsonUnsafe(
          { error: "not found", detail: `no route ${request.method} ${path}; see /docs or /openapi.json` },
          { status: 404 }
        )
      : HttpServerResponse.jsonUnsafe(
          { error: "method not allowed", detail: `${path} answers ${allow} only, not ${request.method}` },
          { status: 405, headers: { allow } }
        )
  )
})

/** The contract for the running limits, built once. */
const OpenApiRoute = Layer.unwrap(
  Effect.map(IngestSettings, (settings) =>
    HttpRouter.add("GET", "/openapi.json", HttpServerResponse.jsonUnsafe(openApiContract(settings)))
  )
)

/** The Scalar release the embedded variant of this Effect version ships, pinned so the page does not drift. */
const scalarVersion = "1.43.5"

/** Every route of the edge; needs `PinLog` and `IngestSettings`. */
export const IngestRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(IngestApi).pipe(Layer.provide(IngestHandlers)),
  OpenApiRoute,
  // the page loads Scalar from its CDN: embedding it would keep 12 MB of script text in every edge's heap
  HttpApiScalar.layerCdn(IngestApi, { path: "/docs", version: scalarVersion }),
  PrometheusMetrics.layerHttp({ path: "/metrics" }),
  Unrouted,
  HttpMetricsMiddleware
)
