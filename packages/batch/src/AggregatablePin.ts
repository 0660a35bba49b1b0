/**
 * The batch's own guard between cleaning and the daily tables, so one odd line can only become its own
 * reject: cleaning that throws is a rejection of that line, and a clean pin's facts are checked and its
 * grouping keys made storable before they are grouped. Keys are the text Postgres will store (lone
 * surrogates and NUL as U+FFFD, so keys that would collide there merge here) and bounded like cleaning
 * rules 1 and 4 (a category over 256 code points is a `schema` reject, a longer tag is dropped), so no key
 * can exceed a btree index entry. The domain applies the same limits; this holds whatever it lets through.
 */
import { type CleanOutcome, type CleanPin, type DatedPin, datedPin, type Rejection } from "@pinflow/domain"
import { Result } from "effect"

export const maxKeyCodePoints = 256

const describe = (error: unknown): string => {
  const message = (error as { message?: unknown } | null)?.message
  const name = (error as { name?: unknown } | null)?.name
  return typeof message === "string" ? `${typeof name === "string" ? `${name}: ` : ""}${message}` : "unknown error"
}

/** `clean()`, or a `schema` rejection of the line when cleaning throws (a defect must not stop the day). */
export const cleanTotal = (clean: () => CleanOutcome): CleanOutcome =>
  Result.try({ try: clean, catch: (error) => error }).pipe(
    Result.match({
      onSuccess: (outcome) => outcome,
      onFailure: (error): CleanOutcome =>
        Result.fail({ reason: "schema", detail: `cleaning failed on this event: ${describe(error)}` })
    })
  )

/** The text as Postgres stores it, NUL-free: what a category or tag is grouped by. */
export const storableKey = (text: string): string =>
  // nearly every key is storable already: two native tests, no copies (a day has millions of keys)
  text.isWellFormed() && !text.includes("\u0000") ? text : text.toWellFormed().replaceAll("\u0000", "\ufffd")

const codePoints = (text: string): number => {
  let n = 0
  for (const _ of text) n += 1
  return n
}

const within = (text: string) => text.length <= maxKeyCodePoints || codePoints(text) <= maxKeyCodePoints

const reject = (pin: CleanPin, detail: string): Result.Result<never, Rejection> =>
  Result.fail({ reason: "schema", detail, unique_id: pin.unique_id })

/**
 * The pin's facts for day `day`'s aggregates (the folder says which day a line belongs to), with storable,
 * bounded keys; or why the pin cannot be aggregated.
 */
export const aggregatablePin = (pin: CleanPin, day: string): Result.Result<DatedPin, Rejection> => {
  const dated = datedPin(pin)
  if (dated === null) return reject(pin, `ingested_at: Expected an ISO 8601 timestamp, got ${String(pin.ingested_at)}`)
  const count = dated.follower_count
  if (count !== null && !(Number.isSafeInteger(count) && count >= 0))
    return reject(pin, `follower_count: Expected a whole count, got ${String(count)}`)
  const category = dated.category === null ? null : storableKey(dated.category)
  if (category !== null && !within(category))
    return reject(pin, `category: Expected at most ${maxKeyCodePoints} characters`)
  const tags = dated.tags.map(storableKey).filter(within)
  return Result.succeed({ ...dated, day, category, tags })
}
