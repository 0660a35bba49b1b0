import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { cleanGeo, cleanGeoLine, cleanLoggedGeoLine } from "../src/GeoEventType.ts"

const event = { ind: 3, timestamp: "2019-11-09 07:45:20", latitude: -84.8378, longitude: -167.14, country: "Aruba" }

describe("cleanGeo", () => {
  it("turns the time into an ISO instant and builds coordinates", () => {
    assert.deepStrictEqual(
      cleanGeo({ ...event, extra: "ignored" }),
      Result.succeed({
        ind: 3,
        event_time: "2019-11-09T07:45:20.000Z",
        latitude: -84.8378,
        longitude: -167.14,
        coordinates: [-84.8378, -167.14],
        country: "Aruba"
      })
    )
  })

  it("trims the country (the non-breaking space too); empty is null", () => {
    const country = (value: string) => Result.map(cleanGeo({ ...event, country: value }), (geo) => geo.country)
    assert.deepStrictEqual(
      country("\u00a0 Svalbard & Jan Mayen Islands\n"),
      Result.succeed("Svalbard & Jan Mayen Islands")
    )
    assert.deepStrictEqual(country(""), Result.succeed(null))
    assert.deepStrictEqual(country(" \t\u00a0"), Result.succeed(null))
    // the length limit is on the trimmed country: white space around it does not count
    assert.deepStrictEqual(country(`${" ".repeat(300)}X`), Result.succeed("X"))
    assert.deepStrictEqual(country(` ${"é".repeat(256)} `), Result.succeed("é".repeat(256)))
    assert.deepStrictEqual(
      cleanGeo({ ...event, country: ` ${"é".repeat(257)} ` }),
      Result.fail({
        reason: "schema",
        detail: `country: Expected at most 256 code points after trimming white space (this text has 257), got " ${"é".repeat(55)}...`,
        key: "3"
      })
    )
  })

  it("keeps the bounds of both ranges and rejects what lies past them, naming every field", () => {
    for (const [latitude, longitude] of [
      [90, 180],
      [-90, -180],
      [0, -0]
    ] as const)
      assert.deepStrictEqual(
        cleanGeo({ ...event, latitude, longitude }),
        Result.succeed({
          ind: 3,
          event_time: "2019-11-09T07:45:20.000Z",
          latitude,
          longitude,
          coordinates: [latitude, longitude],
          country: "Aruba"
        }),
        `${latitude}, ${longitude}`
      )
    assert.deepStrictEqual(
      cleanGeo({ ...event, latitude: 90.0001 }),
      Result.fail({
        reason: "out_of_range",
        detail: "latitude: expected a number from -90 to 90, got 90.0001",
        key: "3"
      })
    )
    assert.deepStrictEqual(
      cleanGeo({ ...event, latitude: -91, longitude: 180.5 }),
      Result.fail({
        reason: "out_of_range",
        detail:
          "latitude: expected a number from -90 to 90, got -91; longitude: expected a number from -180 to 180, got 180.5",
        key: "3"
      })
    )
  })

  it("rejects a bad structure as schema, naming each field, with the key when readable", () => {
    const outcome = cleanGeo({ ind: 7, timestamp: "2019-02-29 00:00:00", latitude: "1", country: 5 })
    assert.isTrue(Result.isFailure(outcome))
    if (Result.isSuccess(outcome)) return
    assert.strictEqual(outcome.failure.reason, "schema")
    assert.strictEqual(outcome.failure.key, "7")
    assert.match(outcome.failure.detail, /^timestamp: Expected a UTC time "YYYY-MM-DD HH:MM:SS"/)
    for (const field of ["latitude: Expected", "longitude: Missing key", "country: Expected"])
      assert.include(outcome.failure.detail, field)
    const noKey = cleanGeo({ ...event, ind: 1.5 })
    assert.deepStrictEqual(noKey, Result.fail({ reason: "schema", detail: "ind: Expected an integer, got 1.5" }))
    assert.deepStrictEqual(
      cleanGeo({ ...event, latitude: Number.NaN }),
      Result.fail({ reason: "schema", detail: "latitude: Expected a finite number, got NaN", key: "3" })
    )
  })

  it("cleans lines: invalid JSON is invalid_json; a logged line needs ingested_at, normalized to UTC", () => {
    assert.deepStrictEqual(
      Result.map(cleanGeoLine(JSON.stringify(event)), (geo) => geo.ind),
      Result.succeed(3)
    )
    const bad = cleanGeoLine("{")
    assert.isTrue(Result.isFailure(bad) && bad.failure.reason === "invalid_json" && bad.failure.key === undefined)
    assert.deepStrictEqual(
      Result.map(
        cleanLoggedGeoLine(JSON.stringify({ ...event, ingested_at: "2026-01-01T01:00:00+01:00" })),
        (geo) => geo.ingested_at
      ),
      Result.succeed("2026-01-01T00:00:00.000Z")
    )
    assert.deepStrictEqual(
      cleanLoggedGeoLine(JSON.stringify(event)),
      Result.fail({ reason: "schema", detail: "ingested_at: Missing key", key: "3" })
    )
  })
})
