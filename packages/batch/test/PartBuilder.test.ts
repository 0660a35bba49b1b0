import { assert, describe, it } from "@effect/vitest"
import { linesSink, type Part, PartBuilder } from "../src/PartBuilder.ts"

const build = (maxBytes: number, lines: ReadonlyArray<[number, number, string | null, string]>) => {
  const builder = new PartBuilder(maxBytes, linesSink)
  const parts: Array<Part<ReadonlyArray<string>>> = []
  for (const [partition, offset, day, line] of lines) {
    const part = builder.add(partition, offset, day, line)
    if (part !== undefined) parts.push(part)
  }
  return [...parts, ...builder.flush()]
}

describe("PartBuilder", () => {
  it("splits a partition's day at the byte cap; each part is named by its first and last offset", () => {
    // 9 bytes per line with its newline: three fit in 27
    const lines = Array.from({ length: 7 }, (_, i): [number, number, string | null, string] => [
      0,
      10 + i,
      "2026-11-26",
      `line-${i}-x`.slice(0, 8)
    ])
    const parts = build(27, lines)
    assert.deepStrictEqual(
      parts.map((p) => [p.key, p.content.length, p.bytes]),
      [
        ["raw/pins/dt=2026-11-26/part-0-10-12.ndjson.gz", 3, 27],
        ["raw/pins/dt=2026-11-26/part-0-13-15.ndjson.gz", 3, 27],
        ["raw/pins/dt=2026-11-26/part-0-16-16.ndjson.gz", 1, 9]
      ]
    )
  })

  it("keeps partitions and days apart and counts bytes in UTF-8", () => {
    const parts = build(1000, [
      [1, 5, "2026-11-26", "é"],
      [0, 3, "2026-11-26", "a"],
      [1, 6, "2026-11-27", "b"],
      [1, 7, "2026-11-26", "c"],
      [0, 4, null, "u"]
    ])
    assert.deepStrictEqual(
      parts.map((p) => [p.key, p.content, p.bytes]),
      [
        ["raw/pins/unreadable/part-0-4-4.ndjson.gz", ["u"], 2],
        ["raw/pins/dt=2026-11-26/part-0-3-3.ndjson.gz", ["a"], 2],
        ["raw/pins/dt=2026-11-26/part-1-5-7.ndjson.gz", ["é", "c"], 5],
        ["raw/pins/dt=2026-11-27/part-1-6-6.ndjson.gz", ["b"], 2]
      ]
    )
  })

  it("gives a line larger than the cap a part of its own", () => {
    const parts = build(10, [
      [0, 0, "2026-11-26", "ab"],
      [0, 1, "2026-11-26", "x".repeat(50)],
      [0, 2, "2026-11-26", "cd"]
    ])
    assert.deepStrictEqual(
      parts.map((p) => [p.firstOffset, p.lastOffset]),
      [
        [0, 0],
        [1, 1],
        [2, 2]
      ]
    )
  })

  it("is deterministic: the same lines make the same parts, and a longer tail only changes the last part", () => {
    const lines = Array.from({ length: 50 }, (_, i): [number, number, string | null, string] => [
      i % 3,
      i,
      "2026-11-26",
      `event-${i}`
    ])
    const once = build(40, lines).map((p) => p.key)
    assert.deepStrictEqual(
      build(40, lines).map((p) => p.key),
      once
    )
    const grown = build(40, [...lines, [0, 50, "2026-11-26", "event-50"]]).map((p) => p.key)
    const changed = once.filter((k) => !grown.includes(k))
    assert.strictEqual(changed.length, 1)
    assert.match(changed[0] ?? "", /part-0-/)
  })
})
