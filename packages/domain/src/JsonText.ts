/**
 * JSON text in and out without exceptions: parsing refuses nesting deeper than the edge's limit (so no
 * later stage meets a value it cannot serialize), and serializing never throws whatever the value.
 */
import { Result } from "effect"

/** The deepest nesting of arrays and objects any stage accepts (design: "JSON nested deeper than 64 levels"). */
export const maxJsonDepth = 64

const OPEN_ARRAY = 91 // [
const OPEN_OBJECT = 123 // {
const CLOSE_ARRAY = 93 // ]
const CLOSE_OBJECT = 125 // }
const QUOTE = 34 // "
const BACKSLASH = 92 // \
const COMMA = 44 // ,

/**
 * Index just past the JSON string whose opening quote is at `open`, or `text.length` when it is not
 * closed. The closing quote is found by the runtime's native search (a quote after an odd run of
 * backslashes is escaped), so a scan costs per structural character, not per character of text.
 */
const skipJsonString = (text: string, open: number): number => {
  let close = text.indexOf('"', open + 1)
  while (close !== -1) {
    let backslashes = 0
    for (let k = close - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++
    if ((backslashes & 1) === 0) return close + 1
    close = text.indexOf('"', close + 1)
  }
  return text.length
}

/**
 * Whether JSON text nests arrays/objects deeper than `limit`, found by one scan of the text (no parse,
 * no recursion), so a hostile body is refused before any work grows with its depth.
 */
export const jsonNestingExceeds = (text: string, limit: number = maxJsonDepth): boolean => {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) i = skipJsonString(text, i) - 1
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--
  }
  return false
}

/**
 * Whether the JSON array starting at `text`'s first `[` has more than `max` elements, by one scan of the
 * text (commas at the top level, outside strings), stopping at the first comma past the limit: so an
 * oversized array is refused before it is parsed.
 */
export const jsonArrayExceeds = (text: string, max: number): boolean => {
  let depth = 0
  let commas = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) i = skipJsonString(text, i) - 1
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++
    else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--
    else if (c === COMMA && depth === 1 && ++commas >= max) return true
  }
  return false
}

/** The parser's message for text nested too deep; shown to clients as part of "malformed JSON". */
export const tooDeepMessage = `JSON nested deeper than ${maxJsonDepth} levels`

/** Parses JSON text without throwing: a value, or why not (the parser's message, or the depth limit). */
export const parseJson = (text: string): Result.Result<unknown, string> => {
  if (jsonNestingExceeds(text)) return Result.fail(tooDeepMessage)
  try {
    return Result.succeed(JSON.parse(text))
  } catch (error) {
    return Result.fail(error instanceof Error ? error.message : String(error))
  }
}

const deepMarker = `[nested deeper than ${maxJsonDepth} levels]`

/** A copy of `value` that JSON.stringify cannot fail on: bounded depth, no cycles, no BigInt, no throwing toJSON. */
const serializable = (value: unknown, depth: number, seen: Set<object>): unknown => {
  if (typeof value === "bigint") return value.toString()
  if (typeof value !== "object" || value === null) return value
  if (depth >= maxJsonDepth) return deepMarker
  if (seen.has(value)) return "[cycle]"
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => serializable(item, depth + 1, seen))
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      out[key] = serializable((value as Record<string, unknown>)[key], depth + 1, seen)
    }
    return out
  } finally {
    seen.delete(value)
  }
}

/**
 * JSON text of any value, never an exception: JSON.stringify when it succeeds, otherwise the value with
 * levels past the limit, cycles and BigInts replaced by strings; "null" for what has no JSON form.
 */
export const stringifyJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? "null"
  } catch {
    try {
      return JSON.stringify(serializable(value, 0, new Set())) ?? "null"
    } catch {
      return JSON.stringify("[unserializable value]")
    }
  }
}
