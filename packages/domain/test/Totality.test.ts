/**
 * Every transform of the domain is total: whatever it is given, it returns — a clean pin whose every
 * string is storable and within its limit, or a rejection with a known code and a storable detail.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import {
  type CleanOutcome,
  cleanLoggedPin,
  cleanLoggedPinLine,
  cleanPin,
  cleanPinLine,
  describeSchemaError
} from "../src/Cleaning.ts"
import { aggregateDaily, type DatedPin, datedPin } from "../src/DailyStats.ts"
import { parseFollowerCount } from "../src/FollowerCount.ts"
import { stringifyJson } from "../src/JsonText.ts"
import { LoggedPinEvent, PinEvent } from "../src/PinEvent.ts"
import { RejectedEvent } from "../src/RejectedEvent.ts"
import { RejectReason } from "../src/RejectReason.ts"
import { parseTags } from "../src/Tags.ts"
import { deepValue, hostileEvent, hostileNumber, hostileString, hostileValue, nested } from "./Hostile.ts"

const reasons = new Set<string>(RejectReason.literals)

const codePoints = (s: string) => [...s].length

const isStorable = (s: unknown, max: number): boolean =>
  typeof s === "string" && s.isWellFormed() && !s.includes("\u0000") && codePoints(s) <= max

/** Asserts the outcome is a storable clean pin or a known rejection; says which it was. */
const checkOutcome = (outcome: CleanOutcome): "clean" | "rejected" => {
  assert.isTrue(Result.isResult(outcome))
  if (Result.isFailure(outcome)) {
    const { reason, detail, unique_id } = outcome.failure
    assert.isTrue(reasons.has(reason), `unknown reason ${reason}`)
    assert.isTrue(isStorable(detail, Number.POSITIVE_INFINITY), `detail not storable: ${JSON.stringify(detail)}`)
    if (unique_id !== undefined) assert.isTrue(isStorable(unique_id, 256) && unique_id === unique_id.trim())
    return "rejected"
  }
  const pin = outcome.success
  assert.isTrue(isStorable(pin.unique_id, 256) && pin.unique_id.length > 0)
  for (const text of [pin.title, pin.description, pin.image_src]) {
    assert.isTrue(text === null || isStorable(text, 65_536))
  }
  assert.isTrue(pin.category === null || isStorable(pin.category, 256))
  assert.isTrue(isStorable(pin.save_location, 65_536))
  assert.isTrue(pin.tags.every((tag) => isStorable(tag, 256)))
  assert.isTrue(Number.isSafeInteger(pin.index))
  assert.isTrue(pin.follower_count === null || (Number.isSafeInteger(pin.follower_count) && pin.follower_count >= 0))
  assert.include(["image", "video", "story"], pin.media_type)
  if (pin.ingested_at !== undefined) {
    const millis = Date.parse(pin.ingested_at)
    assert.isTrue(millis >= Date.parse("0001-01-01T00:00:00Z") && millis <= Date.parse("9999-12-31T23:59:59.999Z"))
  }
  return "clean"
}

/** Runs `property` and asserts at least `minClean` of `runs` cases reached a clean pin. */
const countClean = (arb: fc.Arbitrary<unknown>, clean: (value: unknown) => CleanOutcome, runs: number) => {
  let cleanCount = 0
  fc.assert(
    fc.property(arb, (value) => {
      if (checkOutcome(clean(value)) === "clean") cleanCount++
    }),
    { numRuns: runs }
  )
  return cleanCount
}

describe("cleaning is total", () => {
  it("cleanPin and cleanLoggedPin on any JSON value", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void checkOutcome(cleanPin(value))))
    fc.assert(fc.property(fc.jsonValue(), (value) => void checkOutcome(cleanLoggedPin(value))))
  })

  it("cleanPin and cleanLoggedPin on hostile in-memory values", () => {
    fc.assert(fc.property(hostileValue, (value) => void checkOutcome(cleanPin(value))))
    fc.assert(fc.property(hostileValue, (value) => void checkOutcome(cleanLoggedPin(value))))
  })

  it("cleanPin and cleanLoggedPin on events with hostile fields, most of them still clean", () => {
    // about a third of these are clean: the assertions on clean pins must run, not only rejections
    assert.isAtLeast(countClean(hostileEvent, cleanPin, 300), 60)
    assert.isAtLeast(countClean(hostileEvent, cleanLoggedPin, 300), 35)
  })

  it("cleanPinLine and cleanLoggedPinLine on any text, JSON of hostile events and deep nesting", () => {
    fc.assert(fc.property(hostileString, (line) => void checkOutcome(cleanPinLine(line))))
    fc.assert(fc.property(hostileString, (line) => void checkOutcome(cleanLoggedPinLine(line))))
    const asJson = hostileEvent.map(stringifyJson)
    assert.isAtLeast(
      countClean(asJson, (line) => cleanPinLine(line as string), 200),
      40
    )
    assert.isAtLeast(
      countClean(asJson, (line) => cleanLoggedPinLine(line as string), 200),
      25
    )
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`
    assert.deepStrictEqual(
      cleanPinLine(deep),
      Result.fail({ reason: "invalid_json", detail: "JSON nested deeper than 64 levels" })
    )
    assert.deepStrictEqual(
      cleanLoggedPinLine(`{"a":${deep}}`),
      Result.fail({ reason: "invalid_json", detail: "JSON nested deeper than 64 levels" })
    )
  })

  it("rejects the in-memory values JSON cannot carry as schema, naming the field and what it held", () => {
    const event = {
      index: 1,
      unique_id: "id",
      title: "t",
      description: "",
      follower_count: "",
      tag_list: "",
      is_image_or_video: "image",
      image_src: "",
      downloaded: 1,
      save_location: "",
      category: ""
    }
    const detail = (outcome: CleanOutcome) => (Result.isFailure(outcome) ? outcome.failure.detail : "clean")
    assert.strictEqual(detail(cleanPin({ ...event, index: 10n })), "index: Expected number, got 10n")
    assert.strictEqual(detail(cleanPin({ ...event, index: Number.NaN })), "index: Expected an integer, got NaN")
    assert.strictEqual(
      detail(cleanPin({ ...event, index: 1e308 })),
      "index: Expected a safe integer (at most 2^53 - 1 either side of 0), got 1e+308"
    )
    assert.strictEqual(detail(cleanPin({ ...event, index: -0 })), "clean")
    assert.strictEqual(
      detail(cleanPin({ ...event, title: nested(10_000, "array") })),
      "title: Expected string, got [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[..."
    )
    assert.strictEqual(
      detail(cleanPin({ ...event, title: Symbol("a\u0000\ud800") })),
      "title: Expected string, got Symbol(a\\u0000\ufffd)"
    )
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.strictEqual(detail(cleanPin({ ...event, title: cyclic })), 'title: Expected string, got {"self":"[cycle]"}')
  })
})

describe("the parts of cleaning are total", () => {
  it("parseFollowerCount: null or a safe non-negative integer, quickly, for any string", () => {
    fc.assert(
      fc.property(hostileString, (raw) => {
        const n = parseFollowerCount(raw)
        assert.isTrue(n === null || (Number.isSafeInteger(n) && n >= 0))
      })
    )
  })

  it("parseTags: distinct, trimmed, non-empty tags of at most 256 code points, storable when the list is", () => {
    fc.assert(
      fc.property(hostileString, (raw) => {
        const tags = parseTags(raw)
        assert.strictEqual(new Set(tags).size, tags.length)
        for (const tag of tags) {
          assert.isTrue(tag.length > 0 && tag === tag.trim() && codePoints(tag) <= 256 && raw.includes(tag))
          if (raw.isWellFormed() && !raw.includes("\u0000")) assert.isTrue(isStorable(tag, 256))
        }
      })
    )
  })

  const decoders = [PinEvent, LoggedPinEvent, RejectedEvent].map((schema) =>
    Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>, { errors: "all" })
  )

  it("describeSchemaError: a storable description of any failed decode", () => {
    let described = 0
    const input = fc.oneof(hostileValue, hostileEvent, deepValue)
    fc.assert(
      fc.property(input, fc.constantFrom(...decoders), (value, decode) => {
        const decoded = decode(value)
        if (Result.isSuccess(decoded)) return
        const detail = describeSchemaError(decoded.failure, value)
        assert.isTrue(detail.length > 0 && isStorable(detail, Number.POSITIVE_INFINITY), JSON.stringify(detail))
        described++
      }),
      { numRuns: 300 }
    )
    assert.isAtLeast(described, 150)
  })
})

describe("the daily aggregation is total", () => {
  it("aggregates whatever cleaning lets through, and any dated pins, without throwing", () => {
    fc.assert(
      fc.property(fc.array(hostileEvent, { maxLength: 30 }), (events) => {
        const dated = events
          .map(cleanLoggedPin)
          .flatMap((outcome) => (Result.isSuccess(outcome) ? [datedPin(outcome.success)] : []))
          .filter((pin): pin is DatedPin => pin !== null)
        const result = aggregateDaily(dated)
        assert.strictEqual(
          result.categories.reduce((sum, s) => sum + s.pins, 0),
          new Set(dated.map((p) => `${p.day}/${p.unique_id}`)).size
        )
        for (const s of result.categories) assert.match(s.day, /^\d{4}-\d{2}-\d{2}$/)
      }),
      { numRuns: 50 }
    )
    const anyDatedPin = fc.record({
      unique_id: hostileString,
      day: hostileString,
      ingested_ms: hostileNumber,
      category: fc.option(hostileString),
      follower_count: fc.option(hostileNumber),
      downloaded: fc.boolean(),
      media_type: fc.constantFrom("image" as const, "video" as const, "story" as const),
      tags: fc.array(hostileString, { maxLength: 3 })
    })
    fc.assert(
      fc.property(fc.array(anyDatedPin, { maxLength: 20 }), (pins) => {
        const result = aggregateDaily(pins)
        for (const s of result.categories)
          assert.isTrue(s.pins >= 1 && s.downloaded_ratio >= 0 && s.downloaded_ratio <= 1)
      }),
      { numRuns: 100 }
    )
  })
})
