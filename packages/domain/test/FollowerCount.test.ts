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

  it("is exact for any number of digits, null past Number.MAX_SAFE_INTEGER", () => {
    const cases: ReadonlyArray<[string, number | null]> = [
      [`1.${"0".repeat(400)}`, 1],
      [`1.${"0".repeat(400)}k`, 1000],
      [`2.${"9".repeat(400)}M`, 3_000_000],
      [`0.4${"9".repeat(100)}`, 0],
      [`0.5${"0".repeat(100)}`, 1],
      [`${"0".repeat(100)}7k`, 7000],
      [`0.${"0".repeat(100)}1M`, 0],
      ["9007199254740991", 9_007_199_254_740_991],
      ["9007199254740992", null],
      ["9007199254740.991k", 9_007_199_254_740_991],
      ["9007199254740.9914k", 9_007_199_254_740_991],
      ["9007199254740.9915k", null],
      ["9007199254.7409914M", 9_007_199_254_740_991],
      ["9007199254740991.5", null],
      ["9007199254740990.5", 9_007_199_254_740_991],
      ["1".repeat(100_000), null],
      [`1.${"1".repeat(100_000)}`, 1],
      [`${"1".repeat(100_000)}x`, null],
      ["1.", null],
      [".5", null]
    ]
    for (const [raw, expected] of cases) assert.strictEqual(parseFollowerCount(raw), expected, raw.slice(0, 40))
  })

  it("agrees with exact BigInt arithmetic on long digit strings", () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: max })
    fc.assert(
      fc.property(
        digits(25).filter((s) => s.length > 0),
        digits(40),
        fc.constantFrom(["", 0n], ["k", 3n], ["M", 6n]),
        (whole, fraction, [suffix, shift]) => {
          const raw = fraction.length > 0 ? `${whole}.${fraction}${suffix}` : `${whole}${suffix}`
          const numerator = BigInt(`${whole}${fraction}`) * 10n ** (shift as bigint)
          const denominator = 10n ** BigInt(fraction.length)
          const rounded = (numerator * 2n + denominator) / (denominator * 2n)
          const expected = rounded <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(rounded) : null
          assert.strictEqual(parseFollowerCount(raw), expected, raw)
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it("takes time linear in the length: 100 strings of 100,000 characters well under two seconds", () => {
    const inputs = [`1.${"0".repeat(99_998)}`, "9".repeat(100_000), `${"5".repeat(99_999)}k`, `${"1".repeat(99_999)}x`]
    const started = performance.now()
    for (let i = 0; i < 25; i++) for (const raw of inputs) parseFollowerCount(raw)
    assert.isBelow(performance.now() - started, 2_000)
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
