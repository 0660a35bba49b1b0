import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import { jsonNestingExceeds, maxJsonDepth, parseJson, stringifyJson, tooDeepMessage } from "../src/JsonText.ts"
import { nested } from "./Hostile.ts"

const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`

describe("parseJson", () => {
  it("accepts nesting of exactly 64 levels and refuses 65", () => {
    assert.strictEqual(maxJsonDepth, 64)
    assert.deepStrictEqual(parseJson(arrays(64)), Result.succeed(nested(63, "array", [])))
    assert.deepStrictEqual(parseJson(arrays(65)), Result.fail("JSON nested deeper than 64 levels"))
    assert.strictEqual(tooDeepMessage, "JSON nested deeper than 64 levels")
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`
    assert.isTrue(Result.isSuccess(parseJson(objects(64))))
    assert.deepStrictEqual(parseJson(objects(65)), Result.fail("JSON nested deeper than 64 levels"))
    assert.deepStrictEqual(parseJson(arrays(100_000)), Result.fail("JSON nested deeper than 64 levels"))
  })

  it("ignores brackets inside strings, escaped quotes included", () => {
    const brackets = `"${"[".repeat(100)}"`
    assert.deepStrictEqual(parseJson(brackets), Result.succeed("[".repeat(100)))
    // an escaped quote does not end the string, so the brackets after it are still text
    const escaped = `["a\\"${"[{".repeat(100)}"]`
    assert.deepStrictEqual(parseJson(escaped), Result.succeed([`a"${"[{".repeat(100)}`]))
    // an escaped backslash does end before the quote: the brackets after the string count
    assert.isFalse(jsonNestingExceeds(`["\\\\"${",[".repeat(62)}${"]".repeat(63)}`, 64))
    assert.isTrue(jsonNestingExceeds(`["\\\\"${",[".repeat(64)}${"]".repeat(65)}`, 64))
  })

  it("measures the nesting of any JSON text exactly, whatever its strings hold", () => {
    const depth = (v: unknown): number =>
      typeof v === "object" && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, limit) => {
        assert.strictEqual(jsonNestingExceeds(JSON.stringify(value), limit), depth(value) > limit)
      }),
      { numRuns: 500 }
    )
  })

  it("fails with the parser's message instead of throwing", () => {
    assert.isTrue(Result.isFailure(parseJson("{not json")))
    assert.isTrue(Result.isFailure(parseJson("")))
    fc.assert(fc.property(fc.string(), (text) => Result.isResult(parseJson(text))))
  })
})

describe("stringifyJson", () => {
  it("is JSON.stringify whenever that succeeds", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => stringifyJson(value) === JSON.stringify(value)))
    assert.strictEqual(stringifyJson(undefined), "null")
  })

  it("returns JSON text for a 100,000-deep value, a cycle and a BigInt", () => {
    const deep = stringifyJson(nested(100_000, "array"))
    const parsed = JSON.parse(deep)
    // levels past the limit are replaced by a marker, so the text itself nests 64 levels
    assert.deepStrictEqual(parsed, nested(64, "array", "[nested deeper than 64 levels]"))
    const cycle: Record<string, unknown> = { a: 1 }
    cycle.self = cycle
    assert.deepStrictEqual(JSON.parse(stringifyJson(cycle)), { a: 1, self: "[cycle]" })
    assert.deepStrictEqual(JSON.parse(stringifyJson({ n: 12345678901234567890n })), { n: "12345678901234567890" })
    assert.deepStrictEqual(JSON.parse(stringifyJson(10n)), "10")
  })
})
