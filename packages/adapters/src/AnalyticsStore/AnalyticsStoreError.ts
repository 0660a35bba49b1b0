/** Failures of the analytics store (the batch program's Postgres tables). */
import { Data } from "effect"

/** A Postgres call of the batch program failed; `operation` says which. */
export class AnalyticsStoreError extends Data.TaggedError("AnalyticsStoreError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
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
