/** Follower counts as the source prints them: "7k", "1.5k", "2M", "123", or "User Info Error". */

const shorthand = /^(\d+(?:\.\d+)?)([kKmM]?)$/

const multiplier = (suffix: string): number =>
  suffix === "k" || suffix === "K" ? 1_000 : suffix === "m" || suffix === "M" ? 1_000_000 : 1

/**
 * Parses a follower count to a whole number, or null when the value is not a count. Decimal digits are
 * scaled exactly (no binary floating point: "1.15k" is 1150, not 1149.999…) and rounded half up.
 */
export const parseFollowerCount = (raw: string): number | null => {
  const match = shorthand.exec(raw.trim())
  if (match === null) return null
  const [whole = "", fraction = ""] = (match[1] ?? "").split(".")
  const scale = multiplier(match[2] ?? "")
  const fractionScale = 10 ** fraction.length
  // whole * scale + fraction * scale / 10^len, computed on integers and rounded once
  const numerator = BigInt(whole) * BigInt(scale) * BigInt(fractionScale) + BigInt(fraction || "0") * BigInt(scale)
  const denominator = BigInt(fractionScale)
  const rounded = (numerator * 2n + denominator) / (denominator * 2n)
  return rounded <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(rounded) : null
}
