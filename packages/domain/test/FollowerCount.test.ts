import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { parseFollowerCount } from "../src/FollowerCount.ts"

describe("parseFollowerCount", () => {
  it("parses the shapes the source prints, exactly", () => {
    const cases: ReadonlyArray<[string, number | null]> = [
      ["7k", 7000],
      ["1.5k", 1500],
      ["2M", 2_000_000],
      ["1.2M", 1_200_000],
      ["123", 123],
      ["0", 0],
      ["159", 159],
      [" 28k ", 28_000],
      ["583k", 583_000],
      ["7K", 7000],
      ["2m", 2_000_000],
      ["1.15k", 1150],
      ["0.5", 1],
      ["2.4", 2],
      ["1.0005k", 1001],
      ["User Info Error", null],
      ["", null],
      ["k", null],
      ["1.2.3k", null],
      ["-5", null],
      ["1,200", null],
      ["1e3", null],
      ["12kk", null],
      ["99999999999999999999M", null]
    ]
    for (const [raw, expected] of cases) assert.strictEqual(parseFollowerCount(raw), expected, raw)
  })

  it("reads plain digits as the same integer", () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => parseFollowerCount(String(n)) === n))
  })

  it("scales k and M suffixes with up to three decimals exactly", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 99_999 }),
        fc.stringMatching(/^\d{0,3}$/),
        fc.constantFrom(["k", 1_000], ["K", 1_000], ["M", 1_000_000], ["m", 1_000_000]),
        (whole, fraction, [suffix, multiplier]) => {
          const raw = fraction.length > 0 ? `${whole}.${fraction}${suffix}` : `${whole}${suffix}`
          // with at most three decimals the scaled value is a whole number: no rounding involved
          const expected = whole * multiplier + (Number(fraction || "0") * multiplier) / 10 ** fraction.length
          return parseFollowerCount(raw) === expected
        }
      )
    )
  })

  it("never throws and yields a non-negative integer or null", () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const n = parseFollowerCount(raw)
        return n === null || (Number.isSafeInteger(n) && n >= 0)
      })
    )
  })
})
