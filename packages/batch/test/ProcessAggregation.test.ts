// The day's aggregation on each path: pins staged in the store (in memory, and in the embedded PGlite that
// `pinflow start` uses) and the earlier in-memory accumulator (BATCH_AGGREGATION=memory) give the same
// literal daily rows, with repeats within and across days. Real PostgreSQL: Batch.integration.test.ts.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { AnalyticsMemory, AnalyticsStore, Database, EmbeddedDatabase, Migrations } from "@pinflow/adapters"
import type { DailyAggregates } from "@pinflow/domain"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { runDay } from "../src/BatchRun.ts"
import type { Aggregation } from "../src/BatchSettings.ts"
import { D, env, envWith, event, seedEvents, tenEventsRows } from "./fixtures.ts"

const next = "2026-11-27"
const at = (day: string, time = "12:00:00.000") => `${day}T${time}Z`

/**
 * Ten fixture events on D, then repeats read after them: pin-9 again at the same ingested_at (the later
 * offset wins: it moves from travel to art), pin-3 with an earlier ingested_at (it loses: no change), and
 * pin-4 on the next day (that day's pin; D keeps its own version).
 */
const events = () => [
  ...Array.from({ length: 10 }, (_, i) => event(i, at(D, `${String(i).padStart(2, "0")}:00:00.000`))),
  event(9, at(D, "09:00:00.000"), { category: "art" }),
  event(3, at(D, "02:59:59.999"), { category: "travel", follower_count: "5" }),
  event(4, at(next), { category: "travel" })
]

/** tenEventsRows(D) with pin-9 (123 followers, downloaded, image) moved from travel to art; by hand. */
const expectedD: DailyAggregates = {
  categories: [
    tenEventsRows(D).categories[0] as DailyAggregates["categories"][number],
    // pins 0, 4, 8, 9: 7k, 2M, null, 123 -> 7000; only 9 downloaded; image, video, story, image
    {
      day: D,
      category: "art",
      pins: 4,
      median_follower_count: 7000,
      downloaded_ratio: 0.25,
      images: 2,
      videos: 1,
      stories: 1
    },
    tenEventsRows(D).categories[2] as DailyAggregates["categories"][number],
    // pins 1 and 5: 1.5k and 0; both downloaded; video and story
    {
      day: D,
      category: "travel",
      pins: 2,
      median_follower_count: 750,
      downloaded_ratio: 1,
      images: 0,
      videos: 1,
      stories: 1
    }
  ],
  tags: tenEventsRows(D).tags
}

/** pin-4 alone on the next day: 2M followers, not downloaded, a video, no tags. */
const expectedNext: DailyAggregates = {
  categories: [
    {
      day: next,
      category: "travel",
      pins: 1,
      median_follower_count: 2000000,
      downloaded_ratio: 0,
      images: 0,
      videos: 1,
      stories: 0
    }
  ],
  tags: []
}

const runBothDays = Effect.gen(function* () {
  yield* seedEvents(events())
  const first = yield* runDay(D)
  const second = yield* runDay(next)
  return [first.process.pins, second.process.pins]
})

describe("the day's aggregation", () => {
  for (const aggregation of ["database", "memory"] satisfies Array<Aggregation>)
    it.effect(`in memory, BATCH_AGGREGATION=${aggregation}: the literal rows of both days`, () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-11-28T00:00:05Z"))
        assert.deepStrictEqual(yield* runBothDays, [10, 1])
        const memory = yield* AnalyticsMemory
        assert.deepStrictEqual(memory.days.get(D), expectedD)
        assert.deepStrictEqual(memory.days.get(next), expectedNext)
      }).pipe(Effect.provide(env({ aggregation })))
    )

  it.live(
    "on the embedded PGlite (pins staged there): the literal rows of both days",
    () => {
      const dir = join(mkdtempSync(join(tmpdir(), "pinflow-batch-pglite-")), "pg")
      const analytics = AnalyticsStore.layer.pipe(
        Layer.provideMerge(Migrations.layer),
        Layer.provideMerge(EmbeddedDatabase.layer(dir)),
        Layer.orDie,
        // envWith's type asks for the memory handle too; unused here
        Layer.merge(Layer.sync(AnalyticsMemory, () => ({ days: new Map(), runs: [], rejects: [], landed: new Map() })))
      )
      return Effect.gen(function* () {
        assert.deepStrictEqual(yield* runBothDays, [10, 1])
        const { sql } = yield* Database
        const read = (day: string) =>
          Effect.promise(async (): Promise<DailyAggregates> => {
            const categories = await sql<Array<DailyAggregates["categories"][number]>>`
              select day::text as day, category, pins, median_follower_count, downloaded_ratio, images, videos, stories
              from daily_category_stats where day = ${day}::date order by category collate "C"`
            const tags = await sql<Array<DailyAggregates["tags"][number]>>`
              select day::text as day, tag, pins from daily_tag_counts where day = ${day}::date order by tag collate "C"`
            return { categories: categories.map((c) => ({ ...c })), tags: tags.map((t) => ({ ...t })) }
          })
        assert.deepStrictEqual(yield* read(D), expectedD)
        assert.deepStrictEqual(yield* read(next), expectedNext)
        const [staged] = yield* Effect.promise(
          () => sql<Array<{ n: number }>>`select count(*)::int as n from batch_staged_pins`
        )
        assert.strictEqual(staged?.n, 0)
      }).pipe(Effect.provide(envWith(analytics, { aggregation: "database" })))
    },
    120_000
  )
})
