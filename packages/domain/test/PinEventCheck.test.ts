import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { PinEvent } from "../src/PinEvent.ts"
import { decodePlainPinEvent } from "../src/PinEventCheck.ts"

const decode = Schema.decodeUnknownResult(PinEvent, { errors: "all" })

/** On a plain object the fast path must say exactly what the schema says, and decode the same event. */
const agreesExactly = (input: unknown) => {
  const fast = decodePlainPinEvent(input)
  const schema = decode(input)
  assert.strictEqual(fast !== undefined, Result.isSuccess(schema), `disagree on ${String(JSON.stringify(input))}`)
  if (fast !== undefined && Result.isSuccess(schema)) assert.deepStrictEqual(fast, schema.success)
}

/** On anything at all it may only say "don't know" where the schema accepts, never accept what it refuses. */
const neverLooser = (input: unknown) => {
  const fast = decodePlainPinEvent(input)
  if (fast === undefined) return
  const schema = decode(input)
  assert.isTrue(Result.isSuccess(schema))
  if (Result.isSuccess(schema)) assert.deepStrictEqual(fast, schema.success)
}

const valid = {
  index: 7,
  unique_id: " 9f1c-id ",
  title: "A title",
  description: "",
  poster_name: "Someone",
  follower_count: "1.5k",
  tag_list: "Art",
  is_image_or_video: "image",
  image_src: "https://i.pinimg.com/x.jpg",
  downloaded: 1 as const,
  save_location: "Local save in /data/art",
  category: "art"
}

// strings that sit on the edges of the text rules: NUL anywhere, blank (every kind of white space), lone surrogates
const edgyString = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "\t\n", "\u00a0", "\u2028", "\ufeff", "\u3000", "a\u0000b", "\u0000", " x ", "\ud800"),
  fc.string({ unit: "binary" })
)
const edgyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53) + 1, Number.NaN, Number.POSITIVE_INFINITY)
)
const goodEvents = fc.record(
  {
    index: fc.integer(),
    unique_id: fc.string().filter((s) => /\S/.test(s) && !s.includes("\u0000")),
    title: fc.string(),
    description: fc.string(),
    poster_name: fc.string(),
    follower_count: fc.string(),
    tag_list: fc.string(),
    is_image_or_video: fc.constantFrom("image", "video"),
    image_src: fc.string(),
    downloaded: fc.constantFrom(0, 1),
    save_location: fc.string(),
    category: fc.string()
  },
  { requiredKeys: ["index", "unique_id", "title", "description", "follower_count", "tag_list"] }
)
const keys = ["index", "unique_id", "title", "description", "poster_name", "follower_count", "tag_list"]
keys.push("is_image_or_video", "image_src", "downloaded", "save_location", "category", "extra")
const edgyValue = fc.oneof(edgyString, edgyNumber, fc.jsonValue(), fc.constant(undefined))
/** A valid event (optional keys sometimes missing) with 0 to 3 fields replaced by edge values or removed. */
const almostEvents = fc
  .tuple(goodEvents, fc.array(fc.tuple(fc.constantFrom(...keys), edgyValue, fc.boolean()), { maxLength: 3 }))
  .map(([event, changes]) => {
    const out: Record<string, unknown> = { ...event }
    for (const [key, value, remove] of changes) {
      if (remove) delete out[key]
      else out[key] = value
    }
    return out
  })

describe("decodePlainPinEvent", () => {
  it("accepts a valid event as the schema decodes it (poster_name kept, extra keys dropped)", () => {
    agreesExactly(valid)
    agreesExactly({ ...valid, extra: { nested: true } })
    const { poster_name: _, ...withoutPoster } = valid
    agreesExactly(withoutPoster)
    assert.deepStrictEqual(decodePlainPinEvent({ ...valid, extra: 1 }), valid)
  })

  it("says nothing about what the schema refuses", () => {
    for (const bad of [
      { ...valid, index: 1.5 },
      { ...valid, index: "7" },
      { ...valid, index: 2 ** 53 },
      { ...valid, unique_id: "  " },
      { ...valid, unique_id: "\u00a0\u2028" },
      { ...valid, title: "a\u0000b" },
      { ...valid, unique_id: "id\u0000" },
      { ...valid, downloaded: 2 },
      { ...valid, downloaded: true },
      { ...valid, poster_name: null },
      { ...valid, category: undefined },
      [valid],
      null,
      "text",
      7
    ]) {
      agreesExactly(bad)
      assert.isUndefined(decodePlainPinEvent(bad))
    }
  })

  it("agrees with the schema on edge values (-0 is an integer and the literal 0, as for the schema)", () => {
    agreesExactly({ ...valid, index: -0, downloaded: -0 })
    agreesExactly({ ...valid, poster_name: "a\u0000b" })
    agreesExactly(JSON.parse('{"__proto__":1}'))
    agreesExactly(Object.assign(Object.create(null), valid))
  })

  it("agrees exactly with Schema.decodeUnknownResult(PinEvent) on plain objects", () => {
    fc.assert(fc.property(almostEvents, agreesExactly), { numRuns: 5_000 })
    // through JSON, as the edge receives them
    fc.assert(
      fc.property(almostEvents, (value) => agreesExactly(JSON.parse(JSON.stringify(value)))),
      { numRuns: 2_000 }
    )
    fc.assert(fc.property(fc.jsonValue(), agreesExactly))
  })

  it.prop("accepts every event the schema's own arbitrary makes", [PinEvent], ([event]) => {
    agreesExactly(event)
    assert.isDefined(decodePlainPinEvent(event))
  })

  it("never accepts what the schema refuses, whatever the input", () => {
    fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), neverLooser))
    class Event {
      readonly index = 1
    }
    neverLooser(Object.assign(new Event(), valid))
    assert.isUndefined(decodePlainPinEvent(Object.assign(new Event(), valid)))
  })
})
