/**
 * What every AnalyticsStore backend must do with staged pins (`clearStaged`, `stagePins`,
 * `aggregateStaged`): the domain's daily aggregates of the latest version of each pin. Run by
 * AnalyticsStaging.test.ts (memory, embedded PGlite) and AnalyticsStaging.integration.test.ts (PostgreSQL).
 */
import { assert, type Vitest } from "@effect/vitest"
import { aggregateDaily, type DailyAggregates } from "@pinflow/domain"
import { Effect } from "effect"
import { AnalyticsStore, type StagedPin } from "../src/AnalyticsStore.ts"

const day = "2026-11-26"
const at = (hour: number, minute = 0) =>
  Date.parse(`${day}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00.000Z`)

const pin = (unique_id: string, seq: number, ingested_ms: number, overrides: Partial<StagedPin> = {}): StagedPin => ({
  unique_id,
  seq,
  day,
  ingested_ms,
  category: "art",
  follower_count: null,
  downloaded: false,
  media_type: "image",
  tags: [],
  ...overrides
})

/** Stages `pins` (in the order given, which is not their seq order) and aggregates the day. */
const stageAndAggregate = (...chunks: ReadonlyArray<ReadonlyArray<StagedPin>>) =>
  Effect.gen(function* () {
    const store = yield* AnalyticsStore
    yield* store.clearStaged
    for (const chunk of chunks) assert.deepStrictEqual(yield* store.stagePins(chunk), [])
    const staged = yield* store.aggregateStaged(day)
    yield* store.clearStaged
    return staged
  })

export const stagingContract = <R>(it: Vitest.MethodsNonLive<R | AnalyticsStore>) => {
  it.effect(
    "keeps each pin's latest version: the later ingested_at, then the larger seq, whatever the staging order",
    () =>
      Effect.gen(function* () {
        const loser = { category: "loser", tags: ["loser"], follower_count: 1e9, downloaded: true }
        const staged = yield* stageAndAggregate(
          [
            // p1: the later ingested_at wins although it was read first
            pin("p1", 2, at(9), { ...loser }),
            pin("p1", 1, at(10), { follower_count: 100, downloaded: true, tags: ["a", "b", "a"] }),
            // p2: same ingested_at, the larger seq wins (staged before the smaller one)
            pin("p2", 4, at(10), { category: "travel", follower_count: 5, media_type: "video", tags: ["a"] })
          ],
          [
            pin("p2", 3, at(10), { ...loser }),
            // p3: the later ingested_at wins over a larger seq
            pin("p3", 5, at(12), { category: "travel", follower_count: 10, downloaded: true, media_type: "story" }),
            pin("p3", 6, at(11), { ...loser })
          ]
        )
        assert.deepStrictEqual(staged, {
          pins: 3,
          aggregates: {
            categories: [
              {
                day,
                category: "art",
                pins: 1,
                median_follower_count: 100,
                downloaded_ratio: 1,
                images: 1,
                videos: 0,
                stories: 0
              },
              {
                day,
                category: "travel",
                pins: 2,
                median_follower_count: 7.5,
                downloaded_ratio: 0.5,
                images: 0,
                videos: 1,
                stories: 1
              }
            ],
            // a tag repeated within a pin counts once
            tags: [
              { day, tag: "a", pins: 2 },
              { day, tag: "b", pins: 1 }
            ]
          }
        })
      })
  )

  it.effect("empty categories are (none); medians over known counts (none known = null), exact at 2^53", () =>
    Effect.gen(function* () {
      const staged = yield* stageAndAggregate([
        pin("n1", 1, at(1), { category: null, media_type: "story" }),
        pin("n2", 2, at(2), { category: null, downloaded: true }),
        pin("a1", 3, at(3), { follower_count: 4 }),
        pin("a2", 4, at(4), { follower_count: 1 }),
        pin("a3", 5, at(5), { follower_count: null }),
        pin("a4", 6, at(6), { follower_count: 2 }),
        pin("u1", 7, at(7), { category: "Ünïcode 😀", follower_count: 9007199254740991, tags: ["😀", "Ü"] }),
        pin("u2", 8, at(8), { category: "Ünïcode 😀", follower_count: 9007199254740989, tags: ["😀"] })
      ])
      assert.deepStrictEqual(staged, {
        pins: 8,
        aggregates: {
          categories: [
            {
              day,
              category: "(none)",
              pins: 2,
              median_follower_count: null,
              downloaded_ratio: 0.5,
              images: 1,
              videos: 0,
              stories: 1
            },
            {
              day,
              category: "art",
              pins: 4,
              median_follower_count: 2,
              downloaded_ratio: 0,
              images: 4,
              videos: 0,
              stories: 0
            },
            {
              day,
              category: "Ünïcode 😀",
              pins: 2,
              median_follower_count: 9007199254740990,
              downloaded_ratio: 0,
              images: 2,
              videos: 0,
              stories: 0
            }
          ],
          // sorted by UTF-16 code units, like the domain's aggregates
          tags: [
            { day, tag: "Ü", pins: 1 },
            { day, tag: "😀", pins: 2 }
          ]
        }
      })
    })
  )

  it.effect("ids differing only in NUL, lone surrogates or backslashes stay distinct pins", () =>
    Effect.gen(function* () {
      const ids = ["x", "x\u0000", "x\\u0000", "x\ud800", "x\\ud800", "x\\", "x\ud83d\ude00", "x\\\\"]
      const staged = yield* stageAndAggregate(
        ids.map((id, i) => pin(id, i + 1, at(1), { category: "old" })),
        ids.map((id, i) => pin(id, ids.length + i + 1, at(1), { category: "new" }))
      )
      assert.strictEqual(staged.pins, ids.length)
      assert.deepStrictEqual(
        staged.aggregates.categories.map((c) => [c.category, c.pins]),
        [["new", ids.length]]
      )
    })
  )

  it.effect("many distinct pins with repeats: the domain's aggregates of the same pins in seq order", () =>
    Effect.gen(function* () {
      const categories = [null, "art", "travel", "mens-fashion", "(none)", "home decor", "Ünï"]
      // 30,000 versions of 25,000 pins; ties on ingested_at decided by seq
      const pins = Array.from({ length: 30_000 }, (_, i) =>
        pin(`pin-${(i * 7919) % 25_000}`, i + 1, at(0) + ((i * 104_729) % 50_000) * 1000, {
          category: categories[(i * 31) % categories.length] ?? null,
          follower_count: i % 11 === 0 ? null : (i * 2_654_435_761) % 100_003,
          downloaded: i % 3 === 0,
          media_type: (["image", "video", "story"] as const)[i % 3] ?? "image",
          tags: Array.from({ length: i % 5 }, (_, k) => `tag${(i * (k + 3)) % 200}`)
        })
      )
      const expected: DailyAggregates = aggregateDaily(pins)
      // staged in chunks, the last chunk first
      const staged = yield* stageAndAggregate(pins.slice(20_000), pins.slice(0, 10_000), pins.slice(10_000, 20_000))
      assert.strictEqual(staged.pins, 25_000)
      assert.strictEqual(staged.aggregates.categories.length, 6)
      assert.deepStrictEqual(staged.aggregates, expected)
    })
  )

  it.effect("clearStaged empties the staging area; nothing staged is an empty day", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      yield* store.clearStaged
      assert.deepStrictEqual(yield* store.stagePins([pin("gone", 1, at(1), { tags: ["gone"] })]), [])
      yield* store.clearStaged
      assert.deepStrictEqual(yield* store.aggregateStaged(day), {
        pins: 0,
        aggregates: { categories: [], tags: [] }
      })
      assert.deepStrictEqual(yield* store.stagePins([pin("kept", 2, at(1), { category: "travel" })]), [])
      const staged = yield* store.aggregateStaged(day)
      yield* store.clearStaged
      assert.deepStrictEqual(
        [staged.pins, staged.aggregates.categories.map((c) => c.category), staged.aggregates.tags],
        [1, ["travel"], []]
      )
    })
  )
}
