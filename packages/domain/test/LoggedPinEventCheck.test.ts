import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { parseJson, stringifyJson } from "../src/JsonText.ts"
import { LoggedPinEvent } from "../src/PinEvent.ts"
import { decodePlainLoggedPinEvent } from "../src/PinEventCheck.ts"
import { hostileEvent, validEvent } from "./Hostile.ts"

const decode = Schema.decodeUnknownResult(LoggedPinEvent, { errors: "all" })

const logged = {
  index: 7,
  unique_id: " 9f1c-id ",
  title: "A title",
  description: "",
  follower_count: "1.5k",
  tag_list: "Art,Paint",
  is_image_or_video: "image",
  image_src: "https://i.pinimg.com/x.jpg",
  downloaded: 1,
  save_location: "Local save in /data/art",
  category: "art",
  ingested_at: "2026-11-26T10:00:00.000Z"
}

/** Times on each side of `IsoInstant`'s rules: no 30 February, no hour 24, offsets up to 15 hours, years 1–9999. */
const edgyInstant = fc.constantFrom(
  "2026-11-26T10:00:00.000Z",
  "2026-11-26T10:00:00Z",
  "2026-11-26T10:00:00.123456789+15:59",
  "2026-11-26T10:00:00+16:00",
  "2026-02-29T00:00:00Z",
  "2024-02-29T00:00:00Z",
  "2026-11-26T24:00:00Z",
  "2026-11-26T10:00:60Z",
  "0001-01-01T00:00:00.000Z",
  "0001-01-01T00:00:00+01:00",
  "9999-12-31T23:59:59.999-01:00",
  "2026-11-26 10:00:00Z",
  "2026-11-26T10:00:00",
  ""
)

/** Lines as Kafka and the archive hold them: logged events, hostile ones, other JSON, and text that is not JSON. */
const line = fc.oneof(
  { weight: 4, arbitrary: hostileEvent.map(stringifyJson) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validEvent, edgyInstant, fc.boolean())
      .map(([event, at, poster]) =>
        stringifyJson({ ...event, ...(poster ? { poster_name: "Someone" } : {}), ingested_at: at })
      )
  },
  { weight: 1, arbitrary: fc.jsonValue().map(stringifyJson) },
  { weight: 1, arbitrary: fc.string() }
)

describe("decodePlainLoggedPinEvent", () => {
  it("decodes a logged event as the schema would, without the schema", () => {
    assert.deepStrictEqual(decodePlainLoggedPinEvent(logged), logged)
    // unsure: the schema decides
    assert.strictEqual(decodePlainLoggedPinEvent({ ...logged, poster_name: "Someone" }), undefined)
    assert.strictEqual(decodePlainLoggedPinEvent({ ...logged, ingested_at: "2026-02-30T10:00:00Z" }), undefined)
    assert.strictEqual(decodePlainLoggedPinEvent({ ...logged, ingested_at: 1 }), undefined)
    const { ingested_at: _missing, ...unstamped } = logged
    assert.strictEqual(decodePlainLoggedPinEvent(unstamped), undefined)
    assert.strictEqual(decodePlainLoggedPinEvent({ ...logged, index: 1.5 }), undefined)
  })

  it("accepts only what the schema accepts, as the same event, and most valid lines", () => {
    let fast = 0
    let valid = 0
    fc.assert(
      fc.property(line, (text) => {
        const parsed = parseJson(text)
        if (Result.isFailure(parsed)) return
        const plain = decodePlainLoggedPinEvent(parsed.success)
        const schema = decode(parsed.success)
        if (Result.isSuccess(schema)) valid += 1
        if (plain === undefined) return
        fast += 1
        assert.isTrue(Result.isSuccess(schema), text.slice(0, 300))
        if (Result.isSuccess(schema)) assert.deepStrictEqual(plain, schema.success)
      }),
      { numRuns: 3_000 }
    )
    // the fast path is taken, not only the fallback, and for every valid line without a poster_name
    assert.isAbove(fast, 300)
    assert.isAbove(fast, valid * 0.4)
  })
})
