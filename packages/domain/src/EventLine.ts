/**
 * The steps every event type's edge check and cleaning share: a schema decode whose failure names every
 * bad field, and a JSON line whose parse failure is an `invalid_json` rejection.
 */
import { Result, Schema } from "effect"
import { describeSchemaError, schemaIssues } from "./Cleaning.ts"
import type { EventRejection, FieldIssues } from "./EventType.ts"
import { isoInstantMillis } from "./IsoInstant.ts"
import { parseJson } from "./JsonText.ts"
import { storableText } from "./StorableText.ts"

/** Every bad field of a failed decode, named, and all of them as one detail. */
export const fieldIssues = (error: Schema.SchemaError, input: unknown): FieldIssues => ({
  detail: describeSchemaError(error, input),
  issues: schemaIssues(error, input)
})

/** A decoder that names every bad field of the value it refuses. */
export const fieldChecker = <T>(
  schema: Schema.Codec<T, unknown>
): ((value: unknown) => Result.Result<T, FieldIssues>) => {
  const decode = Schema.decodeUnknownResult(schema, { errors: "all" })
  return (value) => Result.mapError(decode(value), (error) => fieldIssues(error, value))
}

/** A `schema` rejection of `input`, keyed when the input has a readable key. */
export const schemaRejection = (issues: FieldIssues, key: string | undefined): EventRejection =>
  key === undefined ? { reason: "schema", detail: issues.detail } : { reason: "schema", detail: issues.detail, key }

/** Cleans one line of JSON with `clean`; a line that is not JSON is an `invalid_json` rejection. */
export const cleanJsonLine =
  <Clean>(clean: (value: unknown) => Result.Result<Clean, EventRejection>) =>
  (line: string): Result.Result<Clean, EventRejection> =>
    Result.match(parseJson(line), {
      // the parser's message may quote the text, NUL included
      onFailure: (message) => Result.fail({ reason: "invalid_json", detail: storableText(message) }),
      onSuccess: clean
    })

/**
 * An `ingested_at` (an IsoInstant) as `toISOString` writes it, so every stored time compares as text
 * and as an instant alike; text that is not an instant is kept (the schema refused it before).
 */
export const stampedAt = (time: string): string => {
  const millis = isoInstantMillis(time)
  return millis === undefined ? time : new Date(millis).toISOString()
}
