import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { codePoints, exceedsCodePoints, isStorableText, storableId, storableText } from "../src/StorableText.ts"
import { anyString } from "./Hostile.ts"

const emoji = "\u{1F600}"

describe("exceedsCodePoints", () => {
  it("counts code points, not UTF-16 units, on both sides of the limit", () => {
    assert.isFalse(exceedsCodePoints("x".repeat(256), 256))
    assert.isTrue(exceedsCodePoints("x".repeat(257), 256))
    assert.isFalse(exceedsCodePoints(emoji.repeat(256), 256)) // 512 units
    assert.isTrue(exceedsCodePoints(emoji.repeat(257), 256)) // 514 units
    assert.isFalse(exceedsCodePoints(`${emoji.repeat(255)}x`, 256)) // 511 units
    assert.isTrue(exceedsCodePoints(`${emoji.repeat(256)}x`, 256)) // 513 units
    assert.isTrue(exceedsCodePoints("\ud800".repeat(257), 256)) // a lone surrogate is one code point
    assert.isFalse(exceedsCodePoints("", 0))
    assert.isTrue(exceedsCodePoints("a", 0))
  })

  it("agrees with counting every code point", () => {
    fc.assert(
      fc.property(anyString({ maxLength: 40 }), fc.nat({ max: 45 }), (text, max) => {
        assert.strictEqual(exceedsCodePoints(text, max), [...text].length > max)
        assert.strictEqual(codePoints(text), [...text].length)
      })
    )
  })
})

describe("storable text", () => {
  it("is well-formed and without NUL; storableText escapes NUL and replaces lone surrogates", () => {
    assert.deepStrictEqual(
      ["ok", `${emoji}é`, "a\u0000", "a\ud800", "\udc00b", `${emoji.slice(1)}${emoji.slice(0, 1)}`].map(isStorableText),
      [true, true, false, false, false, false]
    )
    assert.strictEqual(storableText("ok"), "ok")
    assert.strictEqual(storableText("a\u0000b\ud800"), "a\\u0000b\ufffd")
  })

  it("storableId: the trimmed id rule 1 accepts, or undefined", () => {
    assert.strictEqual(storableId("  id-1 \u00a0"), "id-1")
    assert.strictEqual(storableId(` ${"é".repeat(256)} `), "é".repeat(256))
    assert.isUndefined(storableId("é".repeat(257)))
    assert.isUndefined(storableId(" \u2028 "))
    assert.isUndefined(storableId("a\u0000"))
    assert.isUndefined(storableId("a\ud800"))
    assert.isUndefined(storableId(7))
  })
})
