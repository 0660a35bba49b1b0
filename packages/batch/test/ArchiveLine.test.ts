import { assert, describe, it } from "@effect/vitest"
import { type SourceMessage, toArchiveLine } from "../src/ArchiveLine.ts"

const message = (value: string): SourceMessage => ({ topic: "pins", partition: 2, offset: 41, key: "k", value })

describe("toArchiveLine", () => {
  it("keeps the edge's compact JSON as it is, dated by the UTC day of ingested_at", () => {
    const value = JSON.stringify({ unique_id: "a", title: "x", ingested_at: "2026-11-26T23:59:59.999Z" })
    assert.deepStrictEqual(toArchiveLine(message(value)), { _tag: "Dated", day: "2026-11-26", line: value })
    const offset = JSON.stringify({ unique_id: "a", ingested_at: "2026-11-27T01:00:00+02:00" })
    assert.deepStrictEqual(toArchiveLine(message(offset)), { _tag: "Dated", day: "2026-11-26", line: offset })
  })

  it("reads ingested_at wherever it is, and puts a pretty-printed event on one line", () => {
    const first = '{"ingested_at":"2026-11-26T10:00:00Z","title":"ends with \\"}"}'
    assert.deepStrictEqual(toArchiveLine(message(first)), { _tag: "Dated", day: "2026-11-26", line: first })
    const pretty = '{\n  "unique_id": "a",\n  "ingested_at": "2026-11-26T10:00:00Z"\n}'
    assert.deepStrictEqual(toArchiveLine(message(pretty)), {
      _tag: "Dated",
      day: "2026-11-26",
      line: '{"unique_id":"a","ingested_at":"2026-11-26T10:00:00Z"}'
    })
  })

  it("does not take a nested ingested_at for the event's", () => {
    const nested = '{"meta":{"ingested_at":"2026-11-26T10:00:00Z"}}'
    const line = toArchiveLine(message(nested))
    assert.strictEqual(line._tag, "Unreadable")
  })

  it("keeps an unreadable message whole, with its coordinates and a reject code", () => {
    const cases: ReadonlyArray<[string, string, string]> = [
      ["not json", "invalid_json", ""],
      ["[1,2]", "schema", "Expected a JSON object"],
      ['{"unique_id":"a"}', "schema", "ingested_at: Missing key or not a string"],
      ['{"ingested_at":"yesterday"}', "schema", 'ingested_at: Expected an ISO 8601 timestamp, got "yesterday"']
    ]
    for (const [value, reason, detail] of cases) {
      const line = toArchiveLine(message(value))
      assert.strictEqual(line._tag, "Unreadable", value)
      if (line._tag !== "Unreadable") continue
      assert.strictEqual(line.reason, reason)
      if (detail !== "") assert.strictEqual(line.detail, detail)
      assert.deepStrictEqual(JSON.parse(line.line), {
        topic: "pins",
        partition: 2,
        offset: 41,
        key: "k",
        reason,
        detail: line.detail,
        value
      })
      assert.notInclude(line.line, "\n")
    }
  })
})
