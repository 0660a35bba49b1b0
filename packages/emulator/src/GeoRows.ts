/**
 * Realistic geo rows (where a pin was posted from), shaped like the public sample's `geolocation_data`:
 * times "YYYY-MM-DD HH:MM:SS" from 2017-10 to 2022-10, latitude with 4 decimals, longitude with 3, the
 * sample's most frequent country names.
 */
export type GeoRow = Record<string, unknown>

const countries = [
  "Albania",
  "Algeria",
  "Afghanistan",
  "Aruba",
  "American Samoa",
  "Argentina",
  "Andorra",
  "Armenia",
  "Bahamas",
  "Bouvet Island (Bouvetoya)",
  "Bangladesh",
  "Anguilla",
  "Antarctica (the territory South of 60 deg S)",
  "Azerbaijan",
  "Austria",
  "Bulgaria",
  "Bolivia",
  "Antigua and Barbuda",
  "Congo",
  "British Virgin Islands",
  "Australia",
  "Belgium"
]

const first = Date.parse("2017-10-19T00:00:00Z")
const last = Date.parse("2022-10-19T23:59:59Z")

/** "2019-11-09 07:45:20": the source's time format, for a time between `from` and `to` (UTC millis). */
export const sourceTime = (next: () => number, from: number, to: number): string =>
  new Date(from + Math.floor(next() * ((to - from) / 1000)) * 1000).toISOString().slice(0, 19).replace("T", " ")

const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals

/** Makers of geo rows (and of structurally broken copies) drawing from `next`. */
export const geoRows = (next: () => number) => {
  const makeRow = (ind: number): GeoRow => ({
    ind,
    timestamp: sourceTime(next, first, last),
    latitude: round(next() * 180 - 90, 4),
    longitude: round(next() * 360 - 180, 3),
    country: countries[Math.floor(next() * countries.length)]
  })
  const breakRow = (row: GeoRow): GeoRow => {
    const r = next()
    if (r < 0.4) {
      const { timestamp: _, ...rest } = row
      return rest
    }
    return r < 0.7 ? { ...row, ind: String(row.ind) } : { ...row, timestamp: "2019-02-30 10:00:00" }
  }
  return { makeRow, breakRow }
}
