/** Follower counts as the source prints them: "7k", "1.5k", "2M", "123", or "User Info Error". */

const shorthand = /^(\d+)(?:\.(\d+))?([kKmM]?)$/

/** How many places the suffix moves the decimal point. */
const suffixDigits = (suffix: string): number =>
  suffix === "k" || suffix === "K" ? 3 : suffix === "m" || suffix === "M" ? 6 : 0

// 9007199254740991 has 16 digits: a longer whole part is past it, a shorter one is compared exactly
const maxSafeDigits = String(Number.MAX_SAFE_INTEGER).length
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Parses a follower count to a whole number, or null when the value is not a count or is past
 * `Number.MAX_SAFE_INTEGER`. The decimal point is moved on the digits themselves, so any number of
 * digits is exact ("1.15k" is 1150, not 1149.999…) and costs time linear in its length; rounded half up.
 */
export const parseFollowerCount = (raw: string): number | null => {
  const match = shorthand.exec(raw.trim())
  if (match === null) return null
  const [, whole = "", fraction = "", suffix = ""] = match
  const shift = suffixDigits(suffix)
  const digits = `${whole}${fraction.slice(0, shift).padEnd(shift, "0")}`.replace(/^0+/, "")
  if (digits.length > maxSafeDigits) return null
  // the first dropped digit decides: 5 and above rounds up, as half up does for non-negative values
  const roundsUp = fraction.length > shift && fraction.charAt(shift) >= "5"
  const rounded = BigInt(digits || "0") + (roundsUp ? 1n : 0n)
  return rounded <= maxSafe ? Number(rounded) : null
}
