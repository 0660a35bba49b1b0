/**
 * Bearer-key check for the posting endpoints. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the key's content nor its length leaks through response timing.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Option, Redacted } from "effect"

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

export type KeyCheck = "ok" | "missing" | "wrong"

/** Builds the checker once per process; without a configured key every request passes. */
export const makeKeyCheck = (
  apiKey: Option.Option<Redacted.Redacted<string>>
): ((authorization: string | undefined) => KeyCheck) => {
  if (Option.isNone(apiKey)) return () => "ok"
  const expected = digest(Redacted.value(apiKey.value))
  return (authorization) => {
    const match = authorization === undefined ? null : /^Bearer[ \t]+(.+)$/i.exec(authorization.trim())
    if (match === null) return "missing"
    return timingSafeEqual(digest(match[1] as string), expected) ? "ok" : "wrong"
  }
}
