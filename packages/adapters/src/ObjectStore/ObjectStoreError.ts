/** Failures of the object-store port, shared by its GCS, local-folder and in-memory backends. */
import { Data } from "effect"

/** A cause's message; never throws (a cause may have no prototype to convert it with). */
const causeMessage = (cause: unknown): string => {
  const message = (cause as { message?: unknown } | null)?.message
  if (typeof message === "string") return message
  return typeof cause === "object" && cause !== null && !("toString" in cause)
    ? Object.prototype.toString.call(cause)
    : String(cause)
}

/** An object-store call failed (network, permissions, disk…); `operation` and `key` say which. */
export class ObjectStoreError extends Data.TaggedError("ObjectStoreError")<{
  readonly operation: "put" | "get" | "stream" | "list" | "delete"
  readonly key: string
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = causeMessage(this.cause)
    return `object store ${this.operation} ${JSON.stringify(this.key)} failed: ${reason}`
  }
}

/** No object has this key (it may have been deleted between a listing and a read). */
export class ObjectNotFound extends Data.TaggedError("ObjectNotFound")<{ readonly key: string }> {
  override get message(): string {
    return `no object ${JSON.stringify(this.key)}`
  }
}

/** Keys are relative paths: non-empty, no leading "/", no empty, "." or ".." segments. */
export const invalidKey = (key: string): string | undefined => {
  if (key.length === 0) return "a key must not be empty"
  if (key.startsWith("/")) return "a key must not start with /"
  const segments = key.split("/")
  if (segments.some((s) => s === "." || s === "..")) return "a key must not contain . or .. segments"
  if (segments.slice(0, -1).some((s) => s.length === 0)) return "a key must not contain empty segments (//)"
  return undefined
}
