/**
 * Postgres array literals (`{"a","b \"c\"",NULL}`) built straight from the pins, one per column, for the
 * `unnest` upsert. postgres.js would build the same text from 15 intermediate arrays with two regex
 * replaces per element; on a 2-core machine that serialisation was the largest single CPU cost of the
 * worker's main thread (~30% of it in a profile of `npm run bench -- stream`). A literal passed as a
 * string parameter is sent unchanged (postgres.js only serialises real arrays) and cast in SQL.
 */

const needsEscape = /["\\]/
const escapable = /["\\]/g

/** One quoted element: backslash and double quote escaped, nothing else (array_in's quoting rules). */
const quoted = (text: string): string => `"${needsEscape.test(text) ? text.replace(escapable, "\\$&") : text}"`

/** `{"a","b"}` for text[]; `null` elements become NULL. */
export const textArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => string | null): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) {
    const value = get(rows[i] as A)
    parts[i] = value === null ? "NULL" : quoted(value)
  }
  return `{${parts.join(",")}}`
}

/** `{1,2,NULL}` for bigint[] / integer[]: numbers as JavaScript prints them (a non-integer is refused by Postgres). */
export const numberArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => number | null): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) {
    const value = get(rows[i] as A)
    parts[i] = value === null ? "NULL" : String(value)
  }
  return `{${parts.join(",")}}`
}

/** `{t,f}` for boolean[]. */
export const booleanArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => boolean): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) parts[i] = get(rows[i] as A) ? "t" : "f"
  return `{${parts.join(",")}}`
}

/** A Postgres array literal of text (`{"a","b \"c\""}`), cast to text[] in SQL. */
export const textArrayLiteral = (values: ReadonlyArray<string>): string => textArray(values, (v) => v)
