import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { stringifyJson } from "../src/JsonText.ts"
import { PinEvent } from "../src/PinEvent.ts"
import { decodePlainPinEvent } from "../src/PinEventCheck.ts"
import { anyString, loneSurrogate, longStrings } from "./Hostile.ts"

const decode = Schema.decodeUnknownResult(PinEvent, { errors: "all" })

/** On a plain object the fast path must say exactly what the schema says, and decode the same event. */
const agreesExactly = (input: unknown): boolean => {
  const fast = decodePlainPinEvent(input)
  const schema = decode(input)
  assert.strictEqual(fast !== undefined, Result.isSuccess(schema), `disagree on ${stringifyJson(input).slice(0, 300)}`)
  if (fast !== undefined && Result.isSuccess(schema)) assert.deepStrictEqual(fast, schema.success)
  return fast !== undefined
}

/** On anything at all it may only say "don't know" where the schema accepts, never accept what it refuses. */
const neverLooser = (input: unknown): boolean => {
  const fast = decodePlainPinEvent(input)
  if (fast === undefined) return false
  const schema = decode(input)
  assert.isTrue(Result.isSuccess(schema))
  if (Result.isSuccess(schema)) assert.deepStrictEqual(fast, schema.success)
  return true
}

/** Runs `check` on `runs` inputs and returns how many it accepted. */
const accepted = <A>(arb: fc.Arbitrary<A>, check: (input: A) => boolean, runs: number): number => {
  let count = 0
  fc.assert(
    fc.property(arb, (input) => {
      if (check(input)) count++
    }),
    { numRuns: runs }
  )
  return count
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

// strings that sit on the edges of the text rules: NUL anywhere, blank (every kind of white space), lone
// surrogates, lengths on each side of every limit (in code points, astral ones included), 100,000 characters
const edgyString = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "\t\n", "\u00a0", "\u2028", "\ufeff", "\u3000", "a\u0000b", "\u0000", " x ", "\ud800"),
  anyString(),
  fc.tuple(anyString({ maxLength: 3 }), loneSurrogate, anyString({ maxLength: 3 })).map((parts) => parts.join("")),
  longStrings
)
const edgyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    1,
    1.5,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    2 ** 53 - 1,
    -(2 ** 53) + 1,
    1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY
  )
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
    // both verdicts must be common, or agreement is shown on one side only
    const yes = accepted(almostEvents, agreesExactly, 5_000)
    assert.isAtLeast(yes, 400)
    assert.isAtMost(yes, 4_000)
    // through JSON, as the edge receives them
    const viaJson = accepted(almostEvents, (value) => agreesExactly(JSON.parse(JSON.stringify(value))), 2_000)
    assert.isAtLeast(viaJson, 150)
    fc.assert(fc.property(fc.jsonValue(), (value) => void agreesExactly(value)))
  })

  it("agrees on every limit of rule 1, on both sides", () => {
    const emoji = "\u{1F600}"
    const cases: ReadonlyArray<[Record<string, unknown>, boolean]> = [
      [{ unique_id: ` ${"é".repeat(256)} ` }, true],
      [{ unique_id: "é".repeat(257) }, false],
      [{ unique_id: emoji.repeat(256) }, true],
      [{ unique_id: emoji.repeat(257) }, false],
      [{ unique_id: "a\ud800" }, false],
      [{ category: emoji.repeat(256) }, true],
      [{ category: "c".repeat(257) }, false],
      [{ follower_count: emoji.repeat(64) }, true],
      [{ follower_count: "1".repeat(65) }, false],
      [{ title: emoji.repeat(65_536) }, true],
      [{ title: `${emoji.repeat(65_535)}xx` }, false],
      [{ tag_list: "t".repeat(65_537) }, false],
      [{ image_src: "\udc00" }, false],
      [{ save_location: `${emoji.slice(0, 1)}` }, false],
      [{ poster_name: "p".repeat(65_536) }, true],
      [{ poster_name: "p".repeat(65_537) }, false],
      [{ poster_name: "\ud800" }, false],
      [{ index: 2 ** 53 - 1 }, true],
      [{ index: -(2 ** 53) }, false],
      [{ index: 1e308 }, false]
    ]
    for (const [change, expected] of cases) {
      assert.strictEqual(agreesExactly({ ...valid, ...change }), expected, stringifyJson(change).slice(0, 80))
    }
  })

  it.prop("accepts every event the schema's own arbitrary makes", [PinEvent], ([event]) => {
    agreesExactly(event)
    assert.isDefined(decodePlainPinEvent(event))
  })

  it("never accepts what the schema refuses, whatever the input", () => {
    // fc.anything alone is almost never a valid event, so the fast path would rarely accept anything to check:
    // valid events with fields replaced by anything, sometimes behind another prototype, instead
    const anything = fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: true })
    const inputs = fc
      .tuple(goodEvents, fc.array(fc.tuple(fc.constantFrom(...keys), anything), { maxLength: 2 }), fc.nat({ max: 9 }))
      .map(([event, changes, shape]): unknown => {
        const out: Record<string, unknown> = { ...event }
        for (const [key, value] of changes) out[key] = value
        return shape === 0 ? Object.assign(Object.create(null), out) : shape === 1 ? [out] : out
      })
    const yes = accepted(fc.oneof(inputs, anything), neverLooser, 3_000)
    assert.isAtLeast(yes, 150)
    class Event {
      readonly index = 1
    }
    neverLooser(Object.assign(new Event(), valid))
    assert.isUndefined(decodePlainPinEvent(Object.assign(new Event(), valid)))
  })
})
