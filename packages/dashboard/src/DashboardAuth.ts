/**
 * Who may read the dashboard. With a key configured: the API takes `Authorization: Bearer <key>` or the
 * session cookie; the page takes the cookie, which `/dashboard?key=<key>` sets once (HttpOnly,
 * SameSite=Strict) before redirecting to the bare URL, so the key leaves the address bar and history.
 * The cookie holds an HMAC of the key, never the key, and every comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Option, Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"

export const cookieName = "pinflow_dashboard"

const digest = (text: string): Buffer => createHmac("sha256", "pinflow-dashboard-session").update(text).digest()

const sameText = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b))

/** The cookie value for `key`. */
export const sessionToken = (key: Redacted.Redacted<string>): string => digest(Redacted.value(key)).toString("hex")

const cookieValue = (request: HttpServerRequest.HttpServerRequest): string | undefined => request.cookies[cookieName]

/** Whether `candidate` is the key. */
export const isKey = (key: Redacted.Redacted<string>, candidate: string): boolean =>
  sameText(Redacted.value(key), candidate)

/** Whether the request carries the session cookie. */
export const hasSession = (
  key: Option.Option<Redacted.Redacted<string>>,
  request: HttpServerRequest.HttpServerRequest
) =>
  Option.match(key, {
    onNone: () => true,
    onSome: (k) => {
      const cookie = cookieValue(request)
      return cookie !== undefined && sameText(sessionToken(k), cookie)
    }
  })

/** Why an API request is refused, or undefined when it may read. */
export const apiRefusal = (
  key: Option.Option<Redacted.Redacted<string>>,
  request: HttpServerRequest.HttpServerRequest
): string | undefined => {
  if (Option.isNone(key) || hasSession(key, request)) return undefined
  const header = request.headers.authorization
  if (header === undefined) return "send Authorization: Bearer <DASHBOARD_KEY or INGEST_API_KEY>"
  const match = /^Bearer (.+)$/.exec(header)
  return match?.[1] !== undefined && isKey(key.value, match[1]) ? undefined : "the bearer key does not match"
}
