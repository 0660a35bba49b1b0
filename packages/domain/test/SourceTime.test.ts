import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import { SourceTime, sourceTimePattern, sourceTimeToIso } from "../src/SourceTime.ts"

/** An independent reading: the date the fields name, through Date's UTC arithmetic, must print them back. */
const reference = (text: string): string | undefined => {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})$/.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, 0)
  const iso = date.toISOString()
  return iso === `${text.slice(0, 10)}T${text.slice(11)}.000Z` ? iso : undefined
}

const digits = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n })

describe("sourceTimeToIso", () => {
  it("reads the source's times as UTC instants", () => {
    const cases: ReadonlyArray<[string, string]> = [
      ["2019-11-09 07:45:20", "2019-11-09T07:45:20.000Z"],
      ["2015-10-30 01:31:09", "2015-10-30T01:31:09.000Z"],
      ["2020-02-29 23:59:59", "2020-02-29T23:59:59.000Z"],
      ["2000-02-29 00:00:00", "2000-02-29T00:00:00.000Z"],
      ["0400-02-29 00:00:00", "0400-02-29T00:00:00.000Z"],
      ["0001-01-01 00:00:00", "0001-01-01T00:00:00.000Z"],
      ["9999-12-31 23:59:59", "9999-12-31T23:59:59.000Z"]
    ]
    for (const [text, iso] of cases) assert.strictEqual(sourceTimeToIso(text), iso, text)
  })

  it("refuses dates and times that do not exist and any other shape", () => {
    for (const text of [
      "2019-02-29 00:00:00",
      "1900-02-29 00:00:00",
      "2019-04-31 00:00:00",
      "2019-13-01 00:00:00",
      "2019-00-01 00:00:00",
      "2019-01-00 00:00:00",
      "2019-01-01 24:00:00",
      "2019-01-01 23:60:00",
      "2019-01-01 23:59:60",
      "0000-01-01 00:00:00",
      "0000-02-29 00:00:00",
      "2019-11-09T07:45:20",
      "2019-11-09T07:45:20.000Z",
      "2019-11-09 07:45",
      " 2019-11-09 07:45:20",
      "2019-11-09 07:45:20 ",
      "2019-11-09  07:45:20",
      "2019-11-09 07:45:20.5",
      "+02019-11-09 07:45:20",
      "٢٠١٩-11-09 07:45:20",
      ""
    ]) {
      assert.strictEqual(sourceTimeToIso(text), undefined, text)
      // the pattern OpenAPI declares refuses it alone, too
      assert.isFalse(new RegExp(sourceTimePattern).test(text), text)
    }
  })

  it("agrees with Date's calendar on every string of the shape (leap years included), as does the pattern alone", () => {
    const declared = new RegExp(sourceTimePattern)
    const shaped = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2))
      .map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d} ${h}:${mi}:${s}`)
    const plausible = fc
      .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
      .chain((date) =>
        fc
          .integer({ min: 28, max: 31 })
          .map((day) => `${date.toISOString().slice(0, 8)}${day} ${date.toISOString().slice(11, 19)}`)
      )
    fc.assert(
      fc.property(fc.oneof(shaped, plausible), (text) => {
        assert.strictEqual(sourceTimeToIso(text), reference(text))
        // what OpenAPI declares must decide alone, exactly as the edge does
        assert.strictEqual(declared.test(text), reference(text) !== undefined)
      }),
      { numRuns: 20_000 }
    )
  })

  it("is declared in JSON Schema as the same pattern", () => {
    assert.deepStrictEqual(Schema.toJsonSchemaDocument(SourceTime).schema, {
      type: "string",
      pattern: sourceTimePattern
    })
    assert.isTrue(Schema.is(SourceTime)("2020-02-29 12:00:00"))
    assert.isFalse(Schema.is(SourceTime)("2019-02-29 12:00:00"))
  })
})
