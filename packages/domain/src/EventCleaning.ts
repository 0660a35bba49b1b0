/**
 * The cleaning every keyed type without a fast path shares: a value as posted or as logged is checked
 * against its Schema (a `schema` rejection naming every bad field, keyed when readable), then its content
 * rules decide; a line that is not JSON is an `invalid_json` rejection.
 */
import { Result, type Schema } from "effect"
import { cleanJsonLine, fieldChecker, schemaRejection } from "./EventLine.ts"
import type { EventRejection, FieldIssues } from "./EventType.ts"

export interface EventCleaning<Clean> {
  /** Any value as posted by a client (structure, then content). */
  readonly cleanPosted: (input: unknown) => Result.Result<Clean, EventRejection>
  /** Any value read back from the topic or the archive (stamped with `ingested_at`). */
  readonly cleanLogged: (input: unknown) => Result.Result<Clean, EventRejection>
  /** One line of NDJSON as posted. */
  readonly cleanPostedLine: (line: string) => Result.Result<Clean, EventRejection>
  /** One Kafka message value or archived line. */
  readonly cleanLoggedLine: (line: string) => Result.Result<Clean, EventRejection>
}

export const eventCleaning = <Posted, Logged, Clean>(options: {
  readonly posted: Schema.Codec<Posted, unknown>
  readonly logged: Schema.Codec<Logged, unknown>
  readonly readableKey: (input: unknown) => string | undefined
  /** The content rules of an event whose structure is valid. */
  readonly contentOfPosted: (event: Posted) => Result.Result<Clean, EventRejection>
  readonly contentOfLogged: (event: Logged) => Result.Result<Clean, EventRejection>
}): EventCleaning<Clean> => {
  const checked =
    <A>(
      check: (input: unknown) => Result.Result<A, FieldIssues>,
      content: (event: A) => Result.Result<Clean, EventRejection>
    ) =>
    (input: unknown): Result.Result<Clean, EventRejection> =>
      Result.match(check(input), {
        onFailure: (issues) => Result.fail(schemaRejection(issues, options.readableKey(input))),
        onSuccess: content
      })
  const cleanPosted = checked(fieldChecker(options.posted), options.contentOfPosted)
  const cleanLogged = checked(fieldChecker(options.logged), options.contentOfLogged)
  return {
    cleanPosted,
    cleanLogged,
    cleanPostedLine: cleanJsonLine(cleanPosted),
    cleanLoggedLine: cleanJsonLine(cleanLogged)
  }
}
