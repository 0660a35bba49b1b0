/**
 * Text every stage can store and index (cleaning rule 1): well-formed Unicode, no NUL, bounded length.
 * A lone surrogate becomes U+FFFD in UTF-8, so two ids differing only there would collide; PostgreSQL
 * refuses NUL; a btree index refuses entries of a few KB.
 */
import { Schema } from "effect"

/** `unique_id` (after trimming) and `category`: both are keys or indexed. */
export const maxIdCodePoints = 256
export const maxCategoryCodePoints = 256
export const maxFollowerCountCodePoints = 64
/** Every other string of an event. */
export const maxTextCodePoints = 65_536
/** One tag of `tag_list` (cleaning rule 4): tags are indexed in the daily tag counts. */
export const maxTagCodePoints = 256

/**
 * Whether `text` has more than `max` code points. `length` counts UTF-16 units, at least one and at most
 * two per code point, so only text between `max` and `2 * max` units is ever counted.
 */
export const exceedsCodePoints = (text: string, max: number): boolean => {
  if (text.length <= max) return false
  if (text.length > 2 * max) return true
  let count = 0
  for (const _ of text) if (++count > max) return true
  return false
}

/** The number of code points (a lone surrogate counts as one). */
export const codePoints = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Well-formed Unicode (no lone surrogate) and no NUL: what PostgreSQL stores exactly as given. */
export const isStorableText = (text: string): boolean => text.isWellFormed() && !text.includes("\u0000")

/**
 * The same text made storable, for messages that may quote their input (a parser's error): NUL becomes
 * the visible escape `\u0000`, a lone surrogate U+FFFD.
 */
export const storableText = (text: string): string =>
  isStorableText(text) ? text : text.replaceAll("\u0000", "\\u0000").toWellFormed()

const isWellFormed = Schema.makeFilter<string>((text) => text.isWellFormed(), {
  message: "Expected well-formed Unicode text (no lone surrogate)",
  toJsonSchema: () => [{}, true]
})

const isNulFree = Schema.isPattern(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character this check refuses
  /^[^\u0000]*$/,
  { message: "Expected text without the NUL character (U+0000)" }
)

// \S matches exactly what String.prototype.trim keeps (both use ECMAScript's WhiteSpace + LineTerminator)
const isNonBlank = Schema.isPattern(/\S/, { message: "Expected a non-empty string (after trimming white space)" })

const isAtMostCodePoints = (max: number) =>
  Schema.makeFilter<string>(
    (text) =>
      !exceedsCodePoints(text, max) || `Expected at most ${max} code points (this text has ${codePoints(text)})`,
    {
      expected: `a string with at most ${max} code points`,
      toJsonSchema: () => ({ maxLength: max }),
      arbitraryConstraint: { maxCodePoints: max }
    }
  )

const isAtMostCodePointsTrimmed = (max: number, blankAllowed = false) =>
  Schema.makeFilter<string>(
    (text) => {
      const trimmed = text.trim()
      return (
        !exceedsCodePoints(trimmed, max) ||
        `Expected at most ${max} code points after trimming white space (this text has ${codePoints(trimmed)})`
      )
    },
    {
      expected: `a string with at most ${max} code points after trimming white space`,
      // the same rule as a pattern (u: one code point per character), with the non-blank rule folded in
      toJsonSchema: () => ({ pattern: `^\\s*(?:${blankAllowed ? "|" : ""}\\S|\\S[\\s\\S]{0,${max - 2}}\\S)\\s*$` })
    }
  )

/** A string PostgreSQL stores as given, of at most `max` code points. */
export const StorableText = (max: number) => Schema.String.check(isWellFormed, isNulFree, isAtMostCodePoints(max))

/** A string PostgreSQL stores as given, of at most `max` code points once trimmed (it is trimmed before use). */
export const StorableTrimmedText = (max: number) =>
  Schema.String.check(isWellFormed, isNulFree, isAtMostCodePointsTrimmed(max, true))

/** A storable id: non-blank, at most `max` code points once trimmed (ids are trimmed before use). */
export const StorableId = (max: number) =>
  Schema.String.check(isWellFormed, isNulFree, isNonBlank, isAtMostCodePointsTrimmed(max))

/** The id a valid event carries, as `StorableId(maxIdCodePoints)` decides, trimmed; undefined otherwise. */
export const storableId = (value: unknown): string | undefined => {
  if (typeof value !== "string" || !isStorableText(value)) return undefined
  const trimmed = value.trim()
  return trimmed.length > 0 && !exceedsCodePoints(trimmed, maxIdCodePoints) ? trimmed : undefined
}
