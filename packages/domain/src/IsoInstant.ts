/**
 * ISO 8601 times that name a real instant PostgreSQL's timestamptz stores: a calendar date that exists
 * (no month 13, no 30 February), a time of day that exists (no hour 24 or 25, no leap second), an offset
 * PostgreSQL accepts, and a year 0001–9999 both as written and in UTC (what `toISOString` prints back).
 */
import { Schema } from "effect"

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/

// PostgreSQL refuses a zone displacement of 16 hours or more
const maxOffsetHours = 15

const minMillis = Date.parse("0001-01-01T00:00:00.000Z")
const maxMillis = Date.parse("9999-12-31T23:59:59.999Z")

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/** Epoch milliseconds of an ISO 8601 time naming a storable instant; undefined for any other text. */
export const isoInstantMillis = (text: string): number | undefined => {
  const match = isoPattern.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  if (match[7] !== undefined && (Number(match[7]) > maxOffsetHours || Number(match[8]) > 59)) return undefined
  const millis = Date.parse(text)
  return millis >= minMillis && millis <= maxMillis ? millis : undefined
}

/** An ISO 8601 time with a zone, as `Date.prototype.toISOString` writes it, naming a storable instant. */
export const IsoInstant = Schema.String.check(
  Schema.makeFilter<string>((text) => isoInstantMillis(text) !== undefined, {
    message: "Expected an ISO 8601 timestamp of a real instant, years 0001 to 9999, such as 2026-11-26T10:00:00.000Z",
    toJsonSchema: () => ({ format: "date-time" })
  })
)
