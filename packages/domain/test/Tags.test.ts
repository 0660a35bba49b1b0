import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { parseTags } from "../src/Tags.ts"

describe("parseTags", () => {
  it("maps the placeholders to no tags", () => {
    assert.deepStrictEqual(parseTags("N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"), [])
    assert.deepStrictEqual(parseTags("No Tags Available"), [])
    assert.deepStrictEqual(parseTags("  "), [])
    assert.deepStrictEqual(parseTags(""), [])
  })

  it("splits, trims, drops empties and keeps first occurrences in order", () => {
    assert.deepStrictEqual(parseTags(" Art , Puzzle Box,,Art, Thing 1 ,"), ["Art", "Puzzle Box", "Thing 1"])
    assert.deepStrictEqual(parseTags("Safe Storage"), ["Safe Storage"])
  })

  it("drops tags longer than 256 code points (counted as code points), keeping the order of the rest", () => {
    const emoji = "\u{1F600}"
    assert.deepStrictEqual(
      parseTags(`a, ${"x".repeat(257)} ,${"é".repeat(256)}, ${emoji.repeat(257)},${emoji.repeat(256)},a,b`),
      ["a", "é".repeat(256), emoji.repeat(256), "b"]
    )
    assert.deepStrictEqual(parseTags(`${"x".repeat(100_000)},y`), ["y"])
  })

  it("yields distinct, trimmed, non-empty tags that all come from the input", () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const tags = parseTags(raw)
        return (
          new Set(tags).size === tags.length &&
          tags.every(
            (t) => t.length > 0 && t === t.trim() && !t.includes(",") && raw.includes(t) && [...t].length <= 256
          )
        )
      })
    )
  })
})
