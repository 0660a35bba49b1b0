import { assert, describe, it } from "@effect/vitest"
import { isoInstantMillis } from "../src/IsoInstant.ts"

describe("isoInstantMillis", () => {
  it("reads the instants PostgreSQL's timestamptz stores", () => {
    const cases: ReadonlyArray<[string, number]> = [
      ["2026-11-26T10:00:00.000Z", 1795687200000],
      ["2026-11-26T10:00:00Z", 1795687200000],
      ["2026-11-26T11:30:00+01:30", 1795687200000],
      ["2026-11-26T10:00:00.123456789Z", 1795687200123],
      ["2024-02-29T00:00:00.000Z", 1709164800000],
      ["2000-02-29T00:00:00.000Z", 951782400000],
      ["0001-01-01T00:00:00.000Z", -62135596800000],
      ["9999-12-31T23:59:59.999Z", 253402300799999],
      ["2026-01-01T00:00:00+15:59", 1767168060000]
    ]
    for (const [text, millis] of cases) assert.strictEqual(isoInstantMillis(text), millis, text)
  })

  it("refuses dates and times that do not exist, and instants outside years 0001-9999", () => {
    for (const text of [
      "2026-13-45T10:00:00.000Z",
      "2026-00-10T10:00:00.000Z",
      "2026-02-29T00:00:00.000Z",
      "1900-02-29T00:00:00.000Z",
      "2026-04-31T00:00:00.000Z",
      "2026-01-00T00:00:00.000Z",
      "2026-01-01T25:00:00.000Z",
      "2026-01-01T24:00:00.000Z",
      "2026-01-01T23:60:00.000Z",
      "2026-01-01T23:59:60.000Z",
      "2026-01-01T00:00:00+16:00",
      "2026-01-01T00:00:00+10:60",
      "0000-01-01T00:00:00.000Z",
      "0001-01-01T00:30:00+01:00",
      "9999-12-31T23:00:00-01:00",
      "+275760-09-13T00:00:00.000Z",
      "2026-11-26 10:00:00Z",
      "2026-11-26T10:00:00",
      "2026-11-26T10:00:00.000Z ",
      "2026-11-26T10:00:00.0000000000Z",
      "not a time",
      ""
    ]) {
      assert.isUndefined(isoInstantMillis(text), text)
    }
  })
})
