/**
 * Realistic user rows (who posted a pin), shaped like the public sample's `user_data`: the sample's most
 * frequent first and last names, ages 20–60 (most under 25), joined between 2015-10 and 2017-10.
 */
import { sourceTime } from "./GeoRows.ts"

export type UserRow = Record<string, unknown>

const firstNames = [
  "Aaron",
  "Amanda",
  "Adam",
  "Andrew",
  "Angela",
  "Abigail",
  "Christopher",
  "Amy",
  "David",
  "Anthony",
  "Brian",
  "Amber",
  "Ashley",
  "Alexander",
  "Andrea",
  "Daniel"
]
const lastNames = [
  "Anderson",
  "Adams",
  "Abbott",
  "Brown",
  "Allen",
  "Acosta",
  "Alexander",
  "Bailey",
  "Baker",
  "Davis",
  "Johnson",
  "Ali",
  "Jones",
  "Andrews",
  "Alvarez",
  "Clark"
]

const first = Date.parse("2015-10-01T00:00:00Z")
const last = Date.parse("2017-10-31T23:59:59Z")

/** Makers of user rows (and of structurally broken copies) drawing from `next`. */
export const userRows = (next: () => number) => {
  const pick = (xs: ReadonlyArray<string>): string => xs[Math.floor(next() * xs.length)] as string
  // the sample's age groups: 45% 18-24, 27% 25-35, 20% 36-50, 8% over 50
  const age = (): number => {
    const r = next()
    const [from, to] = r < 0.45 ? [20, 24] : r < 0.72 ? [25, 35] : r < 0.92 ? [36, 50] : [51, 60]
    return from + Math.floor(next() * (to - from + 1))
  }
  const makeRow = (ind: number): UserRow => ({
    ind,
    first_name: pick(firstNames),
    last_name: pick(lastNames),
    age: age(),
    date_joined: sourceTime(next, first, last)
  })
  const breakRow = (row: UserRow): UserRow => {
    const r = next()
    if (r < 0.4) {
      const { date_joined: _, ...rest } = row
      return rest
    }
    return r < 0.7 ? { ...row, age: String(row.age) } : { ...row, ind: 1.5 }
  }
  return { makeRow, breakRow }
}
