import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  booleanArray,
  nestedTextArray,
  numberArray,
  textArray,
  textArrayLiteral
} from "../src/PinStore/ArrayLiteral.ts"

/** A reader of one-dimensional array literals as Postgres' array_in reads quoted elements and NULL. */
const readTextArray = (literal: string): Array<string | null> => {
  assert.isTrue(literal.startsWith("{") && literal.endsWith("}"), literal)
  const body = literal.slice(1, -1)
  const out: Array<string | null> = []
  let i = 0
  while (i < body.length) {
    if (body.startsWith("NULL", i)) {
      out.push(null)
      i += 4
    } else {
      assert.strictEqual(body[i], '"', `element at ${i} of ${literal} is quoted`)
      let text = ""
      i += 1
      while (body[i] !== '"') {
        if (body[i] === "\\") i += 1
        text += body[i]
        i += 1
      }
      out.push(text)
      i += 1
    }
    if (i < body.length) {
      assert.strictEqual(body[i], ",")
      i += 1
    }
  }
  return out
}

describe("ArrayLiteral", () => {
  it("quotes every text element and escapes only backslash and double quote", () => {
    assert.strictEqual(
      textArray(["a", 'q"uote', "back\\slash", "comma, {brace}", "", null], (v) => v),
      '{"a","q\\"uote","back\\\\slash","comma, {brace}","",NULL}'
    )
    assert.strictEqual(textArrayLiteral([]), "{}")
    assert.strictEqual(
      numberArray([1, null, -7], (v) => v),
      "{1,NULL,-7}"
    )
    assert.strictEqual(
      booleanArray([true, false], (v) => v),
      "{t,f}"
    )
  })

  it("reads back as the same strings, whatever they contain (nested tag literals too)", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string({ unit: "binary" }), { nil: null })), (values) => {
        assert.deepStrictEqual(readTextArray(textArray(values, (v) => v)), values)
      })
    )
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(fc.string(), fc.constantFrom('"', "\\", "a,b", "{}")))), (tagLists) => {
        const outer = readTextArray(nestedTextArray(tagLists, (tags) => tags))
        assert.strictEqual(
          nestedTextArray(tagLists, (tags) => tags),
          textArray(tagLists, textArrayLiteral)
        )
        assert.deepStrictEqual(
          outer.map((inner) => readTextArray(inner ?? "")),
          tagLists
        )
      })
    )
  })
})
