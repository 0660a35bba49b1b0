import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { linesSink, type Part, PartBuilder, type PartSink } from "../src/PartBuilder.ts"

const build = (maxBytes: number, lines: ReadonlyArray<[number, number, string | null, string]>) => {
  const builder = new PartBuilder(maxBytes, linesSink)
  const parts: Array<Part<ReadonlyArray<string>>> = []
  for (const [partition, offset, day, line] of lines) parts.push(...builder.add(partition, offset, day, line))
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
        // partition 1 reached the 27th: its part of the 26th closed, and the late "c" got a part of its own
        ["raw/pins/dt=2026-11-26/part-1-5-5.ndjson.gz", ["é"], 3],
        ["raw/pins/unreadable/part-0-4-4.ndjson.gz", ["u"], 2],
        ["raw/pins/dt=2026-11-26/part-0-3-3.ndjson.gz", ["a"], 2],
        ["raw/pins/dt=2026-11-26/part-1-7-7.ndjson.gz", ["c"], 2],
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

  it("holds one open part per partition while days advance (a first run over many days), closing earlier days", () => {
    let open = 0
    let mostOpen = 0
    const counting = () => {
      open += 1
      mostOpen = Math.max(mostOpen, open)
      const sink = linesSink()
      return {
        add: sink.add,
        close: () => {
          open -= 1
          return sink.close()
        }
      }
    }
    const builder = new PartBuilder(1 << 20, counting)
    const closedOnTheWay: Array<Part<ReadonlyArray<string>>> = []
    const days = Array.from({ length: 30 }, (_, i) => `2026-10-${String(i + 1).padStart(2, "0")}`)
    for (const [d, day] of days.entries())
      for (let i = 0; i < 12; i++) {
        // three partitions, four lines each per day: offsets 4d..4d+3
        const partition = i % 3
        closedOnTheWay.push(...builder.add(partition, 4 * d + Math.floor(i / 3), day, `${day}-${i}`))
      }
    assert.strictEqual(mostOpen, 3)
    assert.strictEqual(closedOnTheWay.length, 29 * 3)
    const parts = [...closedOnTheWay, ...builder.flush()]
    assert.strictEqual(open, 0)
    // one part per partition and day, named by its offsets as before
    assert.deepStrictEqual(
      parts.filter((p) => p.partition === 1).map((p) => p.key),
      days.map((day, d) => `raw/pins/dt=${day}/part-1-${4 * d}-${4 * d + 3}.ndjson.gz`)
    )
  })

  it("gives a late line of an earlier day a part of its own, closed when the partition's day moves on", () => {
    const builder = new PartBuilder(1000, linesSink)
    const closed = (partition: number, offset: number, day: string, line: string) =>
      builder.add(partition, offset, day, line).map((p) => [p.key, p.content])
    assert.deepStrictEqual(closed(0, 1, "2026-11-26", "a"), [])
    assert.deepStrictEqual(closed(0, 2, "2026-11-26", "b"), [])
    assert.deepStrictEqual(closed(1, 1, "2026-11-27", "other partition"), [])
    assert.deepStrictEqual(closed(0, 3, "2026-11-27", "c"), [
      ["raw/pins/dt=2026-11-26/part-0-1-2.ndjson.gz", ["a", "b"]]
    ])
    // stamped just before midnight, acknowledged after a later event
    assert.deepStrictEqual(closed(0, 4, "2026-11-26", "late"), [])
    assert.deepStrictEqual(closed(0, 5, "2026-11-27", "d"), [])
    assert.deepStrictEqual(closed(0, 6, "2026-11-28", "e"), [
      ["raw/pins/dt=2026-11-26/part-0-4-4.ndjson.gz", ["late"]],
      ["raw/pins/dt=2026-11-27/part-0-3-5.ndjson.gz", ["c", "d"]]
    ])
    assert.deepStrictEqual(
      builder.flush().map((p) => [p.key, p.content]),
      [
        ["raw/pins/dt=2026-11-28/part-0-6-6.ndjson.gz", ["e"]],
        ["raw/pins/dt=2026-11-27/part-1-1-1.ndjson.gz", ["other partition"]]
      ]
    )
  })

  it("ignores offsets re-delivered after a rejoin: names stay first <= last and parts never overlap", () => {
    const parts = build(1000, [
      [0, 100, "2026-11-26", "a"],
      [0, 110, "2026-11-26", "b"],
      // the consumer rejoined and was handed the partition again from offset 104
      [0, 104, "2026-11-26", "b-again"],
      [0, 110, "2026-11-26", "b-again"],
      [1, 7, "2026-11-26", "other"],
      [0, 111, "2026-11-26", "c"],
      [1, 7, "2026-11-26", "other-again"]
    ])
    assert.deepStrictEqual(
      parts.map((p) => [p.key, p.content, p.events]),
      [
        ["raw/pins/dt=2026-11-26/part-0-100-111.ndjson.gz", ["a", "b", "c"], 3],
        ["raw/pins/dt=2026-11-26/part-1-7-7.ndjson.gz", ["other"], 1]
      ]
    )
  })

  it("isRepeat: an offset at or before the partition's last added one, whatever part it went to", () => {
    const builder = new PartBuilder(1000, linesSink)
    assert.isFalse(builder.isRepeat(0, 5))
    builder.add(0, 5, "2026-11-26", "a")
    builder.flush()
    assert.deepStrictEqual(
      [builder.isRepeat(0, 4), builder.isRepeat(0, 5), builder.isRepeat(0, 6)],
      [true, true, false]
    )
    assert.isFalse(builder.isRepeat(1, 0))
  })

  it.live("settled waits for every open part's sink to catch up", () =>
    Effect.gen(function* () {
      // sinks that catch up only when told to
      const releases: Array<() => void> = []
      const slowSink = (): PartSink<ReadonlyArray<string>> => ({
        ...linesSink(),
        settled: () => new Promise<void>((resolve) => void releases.push(resolve))
      })
      const builder = new PartBuilder(1000, slowSink)
      builder.add(0, 1, "2026-11-26", "a")
      builder.add(1, 1, "2026-11-26", "b")
      let done = false
      const settled = builder.settled().then(() => {
        done = true
      })
      assert.strictEqual(releases.length, 2)
      releases[0]?.()
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      assert.isFalse(done)
      releases[1]?.()
      yield* Effect.promise(() => settled)
      assert.isTrue(done)
    })
  )
})
