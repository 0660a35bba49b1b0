/**
 * A `/pins` body split into its events: a JSON array (one value per element), a single JSON object, or
 * NDJSON (one value per non-blank line; a line that is not JSON is that event's failure, not the
 * request's). Counting stops at the event limit, so an oversized request costs no more than the limit.
 */
import { jsonArrayExceeds, parseJson } from "@pinflow/domain"
import { Result } from "effect"
import { type BadLine, parserDetail } from "./EdgeCheck.ts"

export type BatchBody =
  | { readonly _tag: "Values"; readonly values: ReadonlyArray<Result.Result<unknown, BadLine>> }
  | { readonly _tag: "Malformed"; readonly detail: string }
  | { readonly _tag: "TooMany"; readonly limit: number }

const blank = /^\s*$/

/**
 * Characters per allowed event above which an array is counted before it is parsed. Below, parsing it
 * costs little whatever it holds; above, the scan (about 1 µs per event-sized element) pays for itself.
 */
const scanAbove = 64

export const splitBatch = (text: string, maxEvents: number): BatchBody => {
  const trimmed = text.trimStart()
  if (trimmed.startsWith("[")) {
    // only a text longer than the limit's worth of small events is scanned: the hot path's bodies are not
    if (text.length > maxEvents * scanAbove && jsonArrayExceeds(text, maxEvents))
      return { _tag: "TooMany", limit: maxEvents }
    const parsed = parseJson(text)
    if (Result.isFailure(parsed)) return { _tag: "Malformed", detail: parserDetail(parsed.failure) }
    const items = parsed.success as ReadonlyArray<unknown>
    if (items.length > maxEvents) return { _tag: "TooMany", limit: maxEvents }
    return { _tag: "Values", values: items.map((v) => Result.succeed(v)) }
  }
  if (trimmed.startsWith("{")) {
    const whole = parseJson(text)
    if (Result.isSuccess(whole)) return { _tag: "Values", values: [Result.succeed(whole.success)] }
  }
  const values: Array<Result.Result<unknown, BadLine>> = []
  let start = 0
  while (start <= text.length) {
    const end = text.indexOf("\n", start)
    const line = text.slice(start, end === -1 ? text.length : end)
    start = end === -1 ? text.length + 1 : end + 1
    if (line.length === 0 || blank.test(line)) continue
    if (values.length === maxEvents) return { _tag: "TooMany", limit: maxEvents }
    values.push(Result.mapError(parseJson(line), (detail) => ({ line, detail: parserDetail(detail) })))
  }
  return { _tag: "Values", values }
}
