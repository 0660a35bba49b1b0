import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { LoggedPinEvent, PinEvent } from "../src/PinEvent.ts"

describe("PinEvent as JSON Schema (what /openapi.json declares)", () => {
  it("declares rule 1's limits: a safe integer index, code-point lengths, a non-blank trimmed id", () => {
    const properties = Schema.toJsonSchemaDocument(PinEvent).schema.properties as Record<string, unknown>
    assert.deepStrictEqual(properties.index, {
      type: "integer",
      minimum: -9007199254740991,
      maximum: 9007199254740991
    })
    assert.deepStrictEqual(properties.unique_id, { type: "string", pattern: "^\\s*(?:\\S|\\S[\\s\\S]{0,254}\\S)\\s*$" })
    assert.deepStrictEqual(properties.category, { type: "string", maxLength: 256 })
    assert.deepStrictEqual(properties.follower_count, { type: "string", maxLength: 64 })
    for (const key of ["title", "description", "tag_list", "is_image_or_video", "image_src", "save_location"]) {
      assert.deepStrictEqual(properties[key], { type: "string", maxLength: 65536 }, key)
    }
    const logged = Schema.toJsonSchemaDocument(LoggedPinEvent).schema.properties as Record<string, unknown>
    assert.deepStrictEqual(logged.ingested_at, { type: "string", format: "date-time" })
  })

  it("the id pattern is the trimmed-length rule: 1 to 256 code points between white space", () => {
    const pattern = /^\s*(?:\S|\S[\s\S]{0,254}\S)\s*$/u
    const emoji = "\u{1F600}"
    assert.deepStrictEqual(
      ["x", ` ${"é".repeat(256)}\u00a0`, emoji.repeat(256), "é".repeat(257), "  ", "", ` a b `].map((s) =>
        pattern.test(s)
      ),
      [true, true, true, false, false, false, true]
    )
  })
})
