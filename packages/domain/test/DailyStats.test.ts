import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { aggregateDaily, type DatedPin, datedPin, median, noCategory, utcDay } from "../src/DailyStats.ts"

const pin = (overrides: Partial<DatedPin> & Pick<DatedPin, "unique_id">): DatedPin => ({
  day: "2026-11-25",
  ingested_ms: 0,
  category: "art",
  follower_count: null,
  downloaded: false,
  media_type: "image",
  tags: [],
  ...overrides
})

describe("median", () => {
  it("is percentile_cont(0.5): the middle value, or the mean of the two middle values", () => {
    assert.strictEqual(median([]), null)
    assert.strictEqual(median([5]), 5)
    assert.strictEqual(median([9, 1, 5]), 5)
    assert.strictEqual(median([1, 2, 3, 10]), 2.5)
    assert.strictEqual(median([7000, 1500, 2_000_000, 0]), 4250)
  })
})

describe("utcDay", () => {
  it("takes the UTC date of the timestamp", () => {
    assert.strictEqual(utcDay("2026-11-25T23:59:59.999Z"), "2026-11-25")
    assert.strictEqual(utcDay("2026-11-26T00:30:00+02:00"), "2026-11-25")
    assert.strictEqual(utcDay("not a time"), null)
    // other producers' times whose day has no YYYY-MM-DD form (and no PostgreSQL date)
    assert.strictEqual(utcDay("+275760-09-13T00:00:00.000Z"), null)
    assert.strictEqual(utcDay("-000001-01-01T00:00:00.000Z"), null)
    assert.strictEqual(utcDay("0000-06-01T00:00:00.000Z"), null)
    assert.strictEqual(utcDay("0001-01-01T00:00:00.000Z"), "0001-01-01")
    assert.strictEqual(utcDay("9999-12-31T23:59:59.999Z"), "9999-12-31")
  })
})

describe("aggregateDaily", () => {
  it("computes the exact stats of a small day", () => {
    const result = aggregateDaily([
      pin({ unique_id: "a", follower_count: 100, downloaded: true, tags: ["x", "y"] }),
      pin({ unique_id: "b", follower_count: 300, media_type: "video", tags: ["x"] }),
      pin({ unique_id: "c", media_type: "story", downloaded: true, tags: ["y", "y"] }),
      pin({ unique_id: "a", follower_count: 200, downloaded: true, tags: ["x"], ingested_ms: 5 }), // newer: wins
      pin({ unique_id: "a", follower_count: 900, downloaded: false, tags: ["z"], ingested_ms: 4 }), // older: ignored
      pin({ unique_id: "d", category: null, day: "2026-11-26", follower_count: 7 }),
      pin({ unique_id: "e", category: "travel", tags: ["x"] })
    ])
    assert.deepStrictEqual(result.categories, [
      {
        day: "2026-11-25",
        category: "art",
        pins: 3,
        median_follower_count: 250,
        downloaded_ratio: 2 / 3,
        images: 1,
        videos: 1,
        stories: 1
      },
      {
        day: "2026-11-25",
        category: "travel",
        pins: 1,
        median_follower_count: null,
        downloaded_ratio: 0,
        images: 1,
        videos: 0,
        stories: 0
      },
      {
        day: "2026-11-26",
        category: noCategory,
        pins: 1,
        median_follower_count: 7,
        downloaded_ratio: 0,
        images: 1,
        videos: 0,
        stories: 0
      }
    ])
    assert.deepStrictEqual(result.tags, [
      { day: "2026-11-25", tag: "x", pins: 3 },
      { day: "2026-11-25", tag: "y", pins: 1 }
    ])
  })

  it("dates a clean pin by its ingested_at and skips pins without one", () => {
    const base = {
      unique_id: "p" as never,
      index: 1,
      title: "t",
      description: null,
      follower_count: 5,
      tags: ["a"],
      media_type: "image" as const,
      image_src: null,
      downloaded: true,
      save_location: "/data/art",
      category: "art"
    }
    assert.strictEqual(datedPin(base), null)
    // no day outside years 0001-9999 ("+275760-09-13" is not a date the tables hold)
    assert.strictEqual(datedPin({ ...base, ingested_at: "0000-12-31T23:00:00.000Z" }), null)
    assert.strictEqual(datedPin({ ...base, ingested_at: "+275760-09-13T00:00:00.000Z" }), null)
    assert.deepStrictEqual(datedPin({ ...base, ingested_at: "2026-11-25T08:00:00.000Z" }), {
      unique_id: "p",
      day: "2026-11-25",
      ingested_ms: 1_795_593_600_000, // 2026-11-25T08:00:00.000Z
      category: "art",
      follower_count: 5,
      downloaded: true,
      media_type: "image",
      tags: ["a"]
    })
  })

  const datedPins = fc.array(
    fc.record({
      unique_id: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"),
      day: fc.constantFrom("2026-11-24", "2026-11-25"),
      ingested_ms: fc.nat({ max: 5 }),
      category: fc.constantFrom("art", "travel", null),
      follower_count: fc.option(fc.nat({ max: 5_000_000 })),
      downloaded: fc.boolean(),
      media_type: fc.constantFrom("image" as const, "video" as const, "story" as const),
      tags: fc.array(fc.constantFrom("x", "y", "z"), { maxLength: 4 })
    }),
    { maxLength: 60 }
  )

  it("counts each distinct pin of a day exactly once, split by media type", () => {
    fc.assert(
      fc.property(datedPins, (pins) => {
        const result = aggregateDaily(pins)
        const distinct = new Set(pins.map((p) => `${p.day}/${p.unique_id}`)).size
        const total = result.categories.reduce((sum, s) => sum + s.pins, 0)
        return (
          total === distinct &&
          result.categories.every(
            (s) => s.images + s.videos + s.stories === s.pins && s.downloaded_ratio >= 0 && s.downloaded_ratio <= 1
          )
        )
      })
    )
  })

  /** The latest version of each pin of a day: later ingested_ms, then later in the input. */
  const latestOf = (pins: ReadonlyArray<DatedPin>) => {
    const latest = new Map<string, DatedPin>()
    for (const p of pins) {
      const known = latest.get(`${p.day}/${p.unique_id}`)
      if (known === undefined || known.ingested_ms <= p.ingested_ms) latest.set(`${p.day}/${p.unique_id}`, p)
    }
    return latest
  }

  it("keeps the version with the latest ingested_at, whatever the order of arrival", () => {
    const result = aggregateDaily([
      pin({ unique_id: "a", ingested_ms: 9, media_type: "video" }),
      pin({ unique_id: "a", ingested_ms: 3, media_type: "story" })
    ])
    assert.deepStrictEqual(
      result.categories.map((s) => [s.videos, s.stories]),
      [[1, 0]]
    )
  })

  it("puts the median between the smallest and largest known count of the latest versions", () => {
    fc.assert(
      fc.property(datedPins, (pins) => {
        const last = latestOf(pins)
        return aggregateDaily(pins).categories.every((s) => {
          const counts = [...last.values()]
            .filter((p) => p.day === s.day && (p.category ?? noCategory) === s.category && p.follower_count !== null)
            .map((p) => p.follower_count as number)
          if (counts.length === 0) return s.median_follower_count === null
          const m = s.median_follower_count ?? Number.NaN
          return m >= Math.min(...counts) && m <= Math.max(...counts)
        })
      })
    )
  })

  it("counts a tag at most once per pin and never more than the day's pins", () => {
    fc.assert(
      fc.property(datedPins, (pins) => {
        const result = aggregateDaily(pins)
        return result.tags.every((t) => {
          const dayPins = result.categories.filter((s) => s.day === t.day).reduce((sum, s) => sum + s.pins, 0)
          return t.pins >= 1 && t.pins <= dayPins
        })
      })
    )
  })

  it("does not depend on the order of distinct pins", () => {
    fc.assert(
      fc.property(datedPins, (pins) => {
        const distinct = [...latestOf(pins).values()]
        return JSON.stringify(aggregateDaily(distinct)) === JSON.stringify(aggregateDaily([...distinct].reverse()))
      })
    )
  })
})
