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

  it("recognises the original's <uuid>.json objects in day folders and under a legacy prefix only", () => {
    const uuid = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    assert.deepStrictEqual(parseKey(`raw/pins/dt=2026-11-26/${uuid}.json`), {
      _tag: "Legacy",
      key: `raw/pins/dt=2026-11-26/${uuid}.json`,
      day: "2026-11-26"
    })
    assert.deepStrictEqual(parseKey(`events/${uuid}.json`, "events/"), {
      _tag: "Legacy",
      key: `events/${uuid}.json`,
      day: null
    })
    assert.deepStrictEqual(parseKey(`${uuid.toUpperCase()}.json`, "")?._tag, "Legacy")
    // anything else is not ours: never read, never deleted
    for (const [key, prefix] of [
      [`events/${uuid}.json`, undefined],
      [`events/sub/${uuid}.json`, "events/"],
      ["events/0b9c7e.json", "events/"],
      ["package.json", ""],
      ["config.json", ""],
      [`${uuid}.json.bak`, ""],
      [`${uuid}-copy.json`, ""],
      ["raw/pins/dt=2026-11-26/notes.json", "events/"],
      ["raw/pins/dt=2026-11-26/notes.txt", "events/"],
      ["raw/pins/dt=2026-11-26/sub/part-0-1-2.ndjson.gz", "events/"],
      ["raw/pins/dt=2026-02-30/part-0-1-2.ndjson.gz", "events/"],
      ["raw/pins/dt=2026-11-26/part-0-9-2.ndjson.gz", "events/"],
      [`raw/pins/unreadable/${uuid}.json`, "events/"],
      ["raw/pins/other/part-0-1-2.ndjson.gz", "events/"],
      ["raw/pins/dt=2026-11-26/.json", "events/"]
    ] as const)
      assert.isUndefined(parseKey(key, prefix), key)
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
