/**
 * The dashboard as HttpRouter routes, to merge into any Effect HTTP server: `GET /dashboard` (the page),
 * `/dashboard/assets/*`, the `DashboardApi` endpoints under `/api/` and `/api/openapi.json`. Every answer
 * carries a Content-Security-Policy without `unsafe-inline` and is never cached.
 */
import { Effect, Layer, Option } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import { DashboardApi, Unauthorized } from "./DashboardApi.ts"
import { loadAssets, loadPage } from "./DashboardAssets.ts"
import { apiRefusal, cookieName, hasSession, isKey, sessionToken } from "./DashboardAuth.ts"
import { DashboardMetrics } from "./DashboardMetrics.ts"
import { DashboardSettings } from "./DashboardSettings.ts"
import { DashboardStore } from "./DashboardStore.ts"

export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const securityHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
}

const Handlers = HttpApiBuilder.group(DashboardApi, "dashboard", (handlers) =>
  Effect.gen(function* () {
    const store = yield* DashboardStore
    const metrics = yield* DashboardMetrics
    const { key } = yield* DashboardSettings
    const guard = (request: HttpServerRequest.HttpServerRequest) => {
      const refusal = apiRefusal(key, request)
      return refusal === undefined ? Effect.void : Effect.fail(new Unauthorized({ detail: refusal }))
    }
    return handlers
      .handle("overview", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.overview(query.minutes ?? 60)))
      )
      .handle("feed", ({ request, query }) =>
        guard(request).pipe(
          Effect.andThen(store.feed({ ...query, type: query.type ?? "pin", limit: query.limit ?? 50 }))
        )
      )
      .handle("rejects", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.rejects({ ...query, limit: query.limit ?? 50 })))
      )
      .handle("rejectSummary", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.rejectSummary(query.hours ?? 24)))
      )
      .handle("reject", ({ request, params }) => guard(request).pipe(Effect.andThen(store.reject(params.id))))
      .handle("batchRuns", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.batchRuns(query.limit ?? 20, query.before)))
      )
      .handle("categories", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.categories(query.days ?? 14)))
      )
      .handle("tags", ({ request, query }) =>
        guard(request).pipe(Effect.andThen(store.tags(query.day, query.limit ?? 20)))
      )
      .handle("workerMetrics", ({ request }) => guard(request).pipe(Effect.andThen(metrics.read)))
  })
)

/** The page: `?key=` sets the session cookie and redirects to the bare URL; without a session, a 401 page. */
const PageRoutes = Layer.unwrap(
  Effect.gen(function* () {
    const { key } = yield* DashboardSettings
    const page = loadPage()
    const assets = loadAssets()
    const pageRoute = HttpRouter.add("GET", "/dashboard", (request) =>
      Effect.sync(() => {
        const given = new URL(request.url, "http://dashboard").searchParams.get("key")
        if (Option.isSome(key) && given !== null) {
          if (!isKey(key.value, given)) {
            return HttpServerResponse.text("401: the key does not match\n", { status: 401, headers: securityHeaders })
          }
          return HttpServerResponse.redirect("/dashboard", { status: 303, headers: securityHeaders }).pipe(
            HttpServerResponse.setCookieUnsafe(cookieName, sessionToken(key.value), {
              httpOnly: true,
              sameSite: "strict",
              path: "/"
            })
          )
        }
        if (!hasSession(key, request)) {
          return HttpServerResponse.text(
            "401: this dashboard needs its key: open /dashboard?key=<DASHBOARD_KEY or INGEST_API_KEY> once\n",
            { status: 401, headers: securityHeaders }
          )
        }
        return HttpServerResponse.uint8Array(page, {
          contentType: "text/html; charset=utf-8",
          headers: securityHeaders
        })
      })
    )
    const assetRoute = HttpRouter.add(
      "GET",
      "/dashboard/assets/:name",
      Effect.gen(function* () {
        const { name } = yield* HttpRouter.params
        const asset = name === undefined ? undefined : assets.get(name)
        return asset === undefined
          ? HttpServerResponse.text("not found\n", { status: 404, headers: securityHeaders })
          : HttpServerResponse.uint8Array(asset.body, { contentType: asset.contentType, headers: securityHeaders })
      })
    )
    return Layer.mergeAll(pageRoute, assetRoute)
  })
)

/** Every dashboard route; needs `Database`, `DashboardMetrics` and the server's platform services. */
export const DashboardRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(DashboardApi, { openapiPath: "/api/openapi.json" }).pipe(
    Layer.provide(Handlers),
    Layer.provide(HttpApiMiddleware.layerProblemDetails({ includeDetails: true }))
  ),
  PageRoutes
).pipe(Layer.provide(DashboardStore.layer), Layer.provide(DashboardSettings.layer))

/** For a process that runs the stream worker itself (`pinflow start`): latency and lag from its own registry. */
export const DashboardRoutesInProcess = DashboardRoutes.pipe(Layer.provide(DashboardMetrics.layerInProcess))
