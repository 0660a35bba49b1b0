/** Failures of the analytics store (the batch program's Postgres tables). */
import { Data } from "effect"

/** A cause's message; never throws (some clients' errors have no prototype to convert them with). */
export const causeMessage = (cause: unknown): string => {
  const message = (cause as { message?: unknown } | null)?.message
  if (typeof message === "string") return message
  try {
    return String(cause)
  } catch {
    return Object.prototype.toString.call(cause)
  }
}

/** A Postgres call of the batch program failed; `operation` says which. */
export class AnalyticsStoreError extends Data.TaggedError("AnalyticsStoreError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `${this.operation} failed: ${causeMessage(this.cause)}`
  }
}

/** Another run holds the batch lock (in this process or another one). */
export class BatchRunInProgress extends Data.TaggedError("BatchRunInProgress")<{
  readonly holder: "this process" | "another process"
}> {
  override get message(): string {
    return `another batch run is in progress in ${this.holder}; runs never overlap`
  }
}
