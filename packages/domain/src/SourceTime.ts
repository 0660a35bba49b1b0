/**
 * The source data's times, "YYYY-MM-DD HH:MM:SS" in UTC (geo `timestamp`, user `date_joined`), and the
 * ISO instant each names. Only real calendar dates and times of day, years 0001–9999 (what `IsoInstant`
 * and PostgreSQL's timestamptz take).
 */
import { Schema } from "effect"
import { isoInstantMillis } from "./IsoInstant.ts"

// [0-9], not \d: JSON Schema tools in other languages read \d as any Unicode digit
const day =
  "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
// years 0001-9999 without a lookahead (not every JSON Schema tool has one): year 0000 does not exist
const year = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
const leapYear = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
const time = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"

/** The exact rule as one pattern, so the OpenAPI document declares what the edge enforces. */
export const sourceTimePattern = `^(?:${year}-${day}|${leapYear}-02-29) ${time}$`

const sourceTime = new RegExp(sourceTimePattern)

/** The ISO instant ("2019-11-09T07:45:20.000Z") a source time names; undefined for any other text. */
export const sourceTimeToIso = (text: string): string | undefined => {
  if (!sourceTime.test(text)) return undefined
  const iso = `${text.slice(0, 10)}T${text.slice(11)}.000Z`
  // the pattern already decides; this keeps the promise that the result is an IsoInstant
  return isoInstantMillis(iso) === undefined ? undefined : iso
}

/** A source time as posted. */
export const SourceTime = Schema.String.check(
  Schema.makeFilter<string>((text) => sourceTimeToIso(text) !== undefined, {
    message:
      'Expected a UTC time "YYYY-MM-DD HH:MM:SS" of a real date, years 0001 to 9999, such as "2019-11-09 07:45:20"',
    toJsonSchema: () => ({ pattern: sourceTimePattern })
  })
)
