/**
 * Postgres array literals (`{"a","b \"c\"",NULL}`) built straight from the pins, one per column, for the
 * `unnest` upsert. postgres.js would build the same text from 15 intermediate arrays with two regex
 * replaces per element; on a 2-core machine that serialisation was the largest single CPU cost of the
 * worker's main thread (~30% of it in a profile of `npm run bench -- stream`). A literal passed as a
 * string parameter is sent unchanged (postgres.js only serialises real arrays) and cast in SQL.
 */

const needsEscape = (text: string): boolean => text.includes('"') || text.includes("\\")

/** One quoted element: backslash and double quote escaped, nothing else (array_in's quoting rules). */
const quoted = (text: string): string => `"${needsEscape(text) ? text.replace(/["\\]/g, "\\$&") : text}"`

/**
 * `{"a","b"}` for text[]; `null` elements become NULL. When no element is NULL or needs escaping (most
 * columns of most batches), one `join` builds the literal without a string per element.
 */
export const textArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => string | null): string => {
  const values = new Array<string | null>(rows.length)
  let plain = true
  for (let i = 0; i < rows.length; i += 1) {
    const value = get(rows[i] as A)
    values[i] = value
    if (plain && (value === null || needsEscape(value))) plain = false
  }
  if (plain) return values.length === 0 ? "{}" : `{"${values.join('","')}"}`
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] ?? null
    values[i] = value === null ? "NULL" : quoted(value)
  }
  return `{${values.join(",")}}`
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

/** `{t,f,NULL}` for boolean[]. */
export const booleanArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => boolean | null): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) {
    const value = get(rows[i] as A)
    parts[i] = value === null ? "NULL" : value ? "t" : "f"
  }
  return `{${parts.join(",")}}`
}

/**
 * text[] of text[] literals, one per row (cast per row in SQL: `unnest` of a 2-D array would flatten it).
 * Each inner literal is written already escaped for the outer one, instead of being built and then
 * escaped again by a regex (nearly every inner literal has quotes).
 */
export const nestedTextArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => ReadonlyArray<string> | null): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) {
    const values = get(rows[i] as A)
    parts[i] =
      values === null
        ? "NULL"
        : values.length === 0
          ? '"{}"'
          : values.some(needsEscape)
            ? quoted(textArrayLiteral(values))
            : `"{\\"${values.join('\\",\\"')}\\"}"`
  }
  return `{${parts.join(",")}}`
}

/** `{1.5,-2}`: a number array's literal (cast to double precision[] or bigint[] in SQL). */
export const numberArrayLiteral = (values: ReadonlyArray<number>): string => `{${values.join(",")}}`

/** text[] of number array literals, one per row (cast per row in SQL, as `nestedTextArray`). */
export const nestedNumberArray = <A>(rows: ReadonlyArray<A>, get: (row: A) => ReadonlyArray<number> | null): string => {
  const parts = new Array<string>(rows.length)
  for (let i = 0; i < rows.length; i += 1) {
    const values = get(rows[i] as A)
    parts[i] = values === null ? "NULL" : `"${numberArrayLiteral(values)}"`
  }
  return `{${parts.join(",")}}`
}

/** A Postgres array literal of text (`{"a","b \"c\""}`), cast to text[] in SQL. */
export const textArrayLiteral = (values: ReadonlyArray<string>): string => textArray(values, (v) => v)
