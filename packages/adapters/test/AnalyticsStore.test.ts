import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, layer, type Vitest } from "@effect/vitest"
import type { DailyAggregates } from "@pinflow/domain"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { AnalyticsMemory, AnalyticsStore, type AnalyticsStoreApi } from "../src/AnalyticsStore.ts"
import { Database } from "../src/Database.ts"
import { EmbeddedDatabase } from "../src/EmbeddedDatabase.ts"
import { Migrations } from "../src/Migrations.ts"

const day = "2026-11-26"
const aggregates = (pins: number): DailyAggregates => ({
  categories: [
    {
      day,
      category: "art",
      pins,
      median_follower_count: 1500.5,
      downloaded_ratio: 0.5,
      images: pins,
      videos: 0,
      stories: 0
    },
    {
      day,
      category: "(none)",
      pins: 1,
      median_follower_count: null,
      downloaded_ratio: 0,
      images: 0,
      videos: 1,
      stories: 0
    },
    {
      day: "2026-11-27",
      category: "art",
      pins: 9,
      median_follower_count: 1,
      downloaded_ratio: 1,
      images: 9,
      videos: 0,
      stories: 0
    }
  ],
  tags: [
    { day, tag: "Porsche", pins: 2 },
    { day, tag: 'Art, "quoted"', pins: 1 }
  ]
})

type DayRows = { categories: Array<[string, number, number | null]>; tags: Array<[string, number]> }

/** What every backend must do; `read` returns the day's rows as stored. */
const contract = <R>(
  it: Vitest.MethodsNonLive<AnalyticsStore | R>,
  read: (d: string) => Effect.Effect<DayRows, never, R>
) => {
  it.effect("replaceDay replaces only that day's rows, so running it twice changes nothing", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      yield* store.replaceDay(day, aggregates(5))
      yield* store.replaceDay(day, aggregates(3))
      yield* store.replaceDay(day, aggregates(3))
      const rows = yield* read(day)
      assert.deepStrictEqual(rows.categories, [
        ["(none)", 1, null],
        ["art", 3, 1500.5]
      ])
      assert.deepStrictEqual(rows.tags, [
        ['Art, "quoted"', 1],
        ["Porsche", 2]
      ])
      assert.deepStrictEqual((yield* read("2026-11-27")).categories, [])
    })
  )

  it.effect("records runs; a run left running is marked failed by the next one", () =>
    Effect.gen(function* () {
      const store: AnalyticsStoreApi = yield* AnalyticsStore
      const before = yield* store.lastSucceededDay
      const abandoned = yield* store.startRun("2026-11-20", new Date("2026-11-21T00:00:00Z"))
      const id = yield* store.startRun("2026-11-24", new Date("2026-11-25T00:00:01Z"))
      yield* store.finishRun(id, {
        status: "succeeded",
        finishedAt: new Date("2026-11-25T00:00:09Z"),
        counts: { events_archived: 10, reconciliation_gap: 0 }
      })
      const runs = yield* store.runs(50)
      const mine = runs.filter((r) => r.id === id || r.id === abandoned)
      assert.deepStrictEqual(
        mine.map((r) => [r.day, r.status, r.counts, r.error]),
        [
          ["2026-11-24", "succeeded", { events_archived: 10, reconciliation_gap: 0 }, null],
          ["2026-11-20", "failed", {}, "abandoned: the process ended during the run"]
        ]
      )
      assert.strictEqual(
        yield* store.lastSucceededDay,
        before !== undefined && before > "2026-11-24" ? before : "2026-11-24"
      )
      assert.include(yield* store.succeededDaysUpTo("2026-11-24"), "2026-11-24")
      assert.notInclude(yield* store.succeededDaysUpTo("2026-11-23"), "2026-11-24")
    })
  )

  it.effect("runs never overlap: a second run fails at once with BatchRunInProgress", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      const inside = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const first = yield* store
        .withRunLock(Deferred.succeed(inside, undefined).pipe(Effect.andThen(Deferred.await(release))))
        .pipe(Effect.forkChild)
      yield* Deferred.await(inside)
      const second = yield* store.withRunLock(Effect.succeed("ran")).pipe(Effect.flip)
      assert.strictEqual(second._tag, "BatchRunInProgress")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      assert.strictEqual(yield* store.withRunLock(Effect.succeed("ran")), "ran")
    })
  )
}

describe("AnalyticsStore (memory)", () => {
  layer(AnalyticsStore.layerMemory)((it) => {
    contract(it, (d) =>
      Effect.gen(function* () {
        const rows = (yield* AnalyticsMemory).days.get(d)
        return {
          categories: (rows?.categories ?? [])
            .map((c): [string, number, number | null] => [c.category, c.pins, c.median_follower_count])
            .sort((a, b) => a[0].localeCompare(b[0])),
          tags: (rows?.tags ?? [])
            .map((t): [string, number] => [t.tag, t.pins])
            .sort((a, b) => a[0].localeCompare(b[0]))
        }
      })
    )
    it.effect("writeRejects skips a reject already recorded", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        const reject = {
          reason: "empty_pin",
          detail: "d",
          raw: "{}",
          object_key: "raw/pins/dt=2026-11-26/x.json",
          line: 1
        }
        yield* store.writeRejects([reject, reject])
        yield* store.writeRejects([reject])
        assert.strictEqual((yield* AnalyticsMemory).rejects.length, 1)
      })
    )
  })
})

describe("AnalyticsStore (Postgres, embedded PGlite)", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "pinflow-analytics-")), "pg")
  const Env = AnalyticsStore.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(EmbeddedDatabase.layer(dir))
  )
  layer(Env, { timeout: 60_000 })((it) => {
    const read = (d: string) =>
      Effect.gen(function* () {
        const { sql } = yield* Database
        const categories = yield* Effect.promise(
          () => sql<Array<{ category: string; pins: number; median: number | null }>>`
            select category, pins, median_follower_count as median from daily_category_stats where day = ${d}::date order by category`
        )
        const tags = yield* Effect.promise(
          () =>
            sql<
              Array<{ tag: string; pins: number }>
            >`select tag, pins from daily_tag_counts where day = ${d}::date order by tag`
        )
        return {
          categories: categories.map((c): [string, number, number | null] => [c.category, c.pins, c.median]),
          tags: tags.map((t): [string, number] => [t.tag, t.pins])
        }
      })
    contract(it, read)

    it.effect("writeRejects is idempotent by Kafka coordinates and by object line", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        const { sql } = yield* Database
        const rejects = [
          { reason: "invalid_json", detail: "Unexpected token", raw: "{", topic: "pins", partition: 2, offset: 41 },
          {
            reason: "empty_pin",
            detail: "both empty",
            unique_id: "u1",
            raw: "{}",
            object_key: "raw/pins/dt=2026-11-26/part-0-0-9.ndjson.gz",
            line: 3
          }
        ]
        yield* store.writeRejects(rejects)
        yield* store.writeRejects(rejects)
        const rows = yield* Effect.promise(
          () => sql<Array<{ reason: string; source: string; offset: string | null; line: number | null }>>`
            select reason, source, "offset", line from pin_rejects order by reason`
        )
        assert.deepStrictEqual(
          rows.map((r) => [r.reason, r.source, r.offset, r.line]),
          [
            ["empty_pin", "batch", null, 3],
            ["invalid_json", "batch", "41", null]
          ]
        )
      })
    )

    it.effect("landedPins counts the stream's rows by the UTC day of ingested_at", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        const { sql } = yield* Database
        yield* Effect.promise(
          () => sql`insert into pins (unique_id, pin_index, media_type, downloaded, save_location, ingested_at) values
            ('a', 1, 'image', true, '/data/art', '2026-11-25T23:59:59.999Z'),
            ('b', 2, 'image', true, '/data/art', '2026-11-26T00:00:00Z'),
            ('c', 3, 'image', true, '/data/art', '2026-11-26T23:59:59Z'),
            ('d', 4, 'image', true, '/data/art', '2026-11-27T00:00:00Z')`
        )
        assert.strictEqual(yield* store.landedPins("2026-11-26"), 2)
      })
    )
  })
})
