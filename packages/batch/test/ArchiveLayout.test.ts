import { assert, describe, it } from "@effect/vitest"
import { byPartitionAndOffset, dayPrefix, isDay, parseKey, partKey } from "../src/ArchiveLayout.ts"

describe("ArchiveLayout", () => {
  it("names parts by day, partition and offsets, and reads the names back", () => {
    const key = partKey("2026-11-26", 3, 1200, 5400)
    assert.strictEqual(key, "raw/pins/dt=2026-11-26/part-3-1200-5400.ndjson.gz")
    assert.deepStrictEqual(parseKey(key), {
      _tag: "Part",
      key,
      day: "2026-11-26",
      partition: 3,
      firstOffset: 1200,
      lastOffset: 5400
    })
    assert.strictEqual(partKey(null, 0, 7, 7), "raw/pins/unreadable/part-0-7-7.ndjson.gz")
    assert.deepStrictEqual(parseKey("raw/pins/unreadable/part-0-7-7.ndjson.gz")?.day, null)
    assert.strictEqual(dayPrefix("2026-11-26"), "raw/pins/dt=2026-11-26/")
  })

  it("recognises legacy per-event objects in day folders and under a legacy prefix only", () => {
    assert.deepStrictEqual(parseKey("raw/pins/dt=2026-11-26/0b9c7e.json"), {
      _tag: "Legacy",
      key: "raw/pins/dt=2026-11-26/0b9c7e.json",
      day: "2026-11-26"
    })
    assert.deepStrictEqual(parseKey("events/0b9c7e.json", "events/"), {
      _tag: "Legacy",
      key: "events/0b9c7e.json",
      day: null
    })
    assert.deepStrictEqual(parseKey("0b9c7e.json", "")?._tag, "Legacy")
    // anything else is not ours: never read, never deleted
    for (const key of [
      "events/0b9c7e.json",
      "events/sub/x.json",
      "raw/pins/dt=2026-11-26/notes.txt",
      "raw/pins/dt=2026-11-26/sub/part-0-1-2.ndjson.gz",
      "raw/pins/dt=2026-02-30/part-0-1-2.ndjson.gz",
      "raw/pins/dt=2026-11-26/part-0-9-2.ndjson.gz",
      "raw/pins/unreadable/x.json",
      "raw/pins/other/part-0-1-2.ndjson.gz",
      "raw/pins/dt=2026-11-26/.json"
    ])
      assert.isUndefined(parseKey(key, key === "events/0b9c7e.json" ? undefined : "events/"), key)
  })

  it("checks calendar days", () => {
    assert.isTrue(isDay("2024-02-29"))
    assert.isFalse(isDay("2026-02-29"))
    assert.isFalse(isDay("2026-1-01"))
  })

  it("orders parts by partition then offset (numerically, not by name)", () => {
    const parts = [
      { partition: 1, firstOffset: 0 },
      { partition: 0, firstOffset: 100 },
      { partition: 0, firstOffset: 20 }
    ]
    assert.deepStrictEqual([...parts].sort(byPartitionAndOffset), [
      { partition: 0, firstOffset: 20 },
      { partition: 0, firstOffset: 100 },
      { partition: 1, firstOffset: 0 }
    ])
  })
})
