import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { describeSchemaError } from "../src/Cleaning.ts"
import { RejectedEvent } from "../src/RejectedEvent.ts"

const decode = Schema.decodeUnknownResult(RejectedEvent, { errors: "all" })

const valid = {
  reason: "schema",
  detail: "index: Expected an integer, got 1.5",
  unique_id: "id-1",
  raw: { index: 1.5, title: "a\u0000b\ud800" },
  rejected_at: "2026-11-26T10:00:00.000Z"
}

/** Why the record is not a rejected event, as the consumer describes it; "valid" when it is one. */
const verdict = (input: unknown) => {
  const decoded = decode(input)
  return Result.isSuccess(decoded) ? "valid" : describeSchemaError(decoded.failure, input)
}

describe("RejectedEvent", () => {
  it("decodes what the edge writes: parsed raw values may hold any string (stored as JSON text)", () => {
    assert.strictEqual(verdict(valid), "valid")
    assert.strictEqual(verdict({ ...valid, raw: "not json", reason: "invalid_json" }), "valid")
    const { unique_id: _, ...withoutId } = valid
    assert.strictEqual(verdict(withoutId), "valid")
  })

  it("is not valid when rejected_at is no storable instant", () => {
    assert.strictEqual(
      verdict({ ...valid, rejected_at: "0000-01-01T00:00:00Z" }),
      'rejected_at: Expected an ISO 8601 timestamp of a real instant, years 0001 to 9999, such as 2026-11-26T10:00:00.000Z, got "0000-01-01T00:00:00Z"'
    )
    for (const rejected_at of ["2026-13-45T00:00:00Z", "yesterday", "+275760-09-13T00:00:00.000Z"]) {
      assert.notStrictEqual(verdict({ ...valid, rejected_at }), "valid", rejected_at)
    }
  })

  it("is not valid when a field it stores as text is unstorable", () => {
    assert.strictEqual(
      verdict({ ...valid, detail: "a\u0000b", unique_id: "x\ud800", raw: "r\u0000" }),
      'detail: Expected text without the NUL character (U+0000), got "a\\u0000b"; unique_id: Expected well-formed Unicode text (no lone surrogate), got "x\\ud800"; raw: Expected raw text to be well-formed Unicode without the NUL character (U+0000), got "r\\u0000"'
    )
    assert.notStrictEqual(verdict({ ...valid, raw: "\udc00" }), "valid")
    assert.notStrictEqual(verdict({ ...valid, unique_id: "é".repeat(257) }), "valid")
    assert.notStrictEqual(verdict({ ...valid, unique_id: " " }), "valid")
    assert.notStrictEqual(verdict({ ...valid, reason: "bogus" }), "valid")
  })
})
