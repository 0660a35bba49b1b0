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

/** 3000 pseudo-random letters: longer than a btree entry may be, even after Postgres compresses it. */
const incompressible = Array.from({ length: 3000 }, (_, i) =>
  String.fromCharCode(97 + ((i * 7919 + ((i * i) % 101)) % 26))
).join("")

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

  it.effect("records runs; runs left running by a dead process are marked failed when the lock is next taken", () =>
    Effect.gen(function* () {
      const store: AnalyticsStoreApi = yield* AnalyticsStore
      const abandoned = yield* store.startRun("2026-11-20", new Date("2026-11-21T00:00:00Z"))
      // under one lock, a run and the other days it processes are recorded side by side
      const [id, other] = yield* store.withRunLock(
        Effect.all([
          store.startRun("2026-11-24", new Date("2026-11-25T00:00:01Z")),
          store.startRun("2026-11-23", new Date("2026-11-25T00:00:05Z"))
        ])
      )
      yield* store.finishRun(other, {
        status: "failed",
        finishedAt: new Date("2026-11-25T00:00:07Z"),
        counts: {},
        error: "boom"
      })
      yield* store.finishRun(id, {
        status: "succeeded",
        finishedAt: new Date("2026-11-25T00:00:09Z"),
        counts: { events_archived: 10, reconciliation_gap: 0 },
        readThrough: new Date("2026-11-25T00:00:03.250Z")
      })
      const runs = yield* store.runs(50)
      const mine = runs.filter((r) => [id, other, abandoned].includes(r.id))
      assert.deepStrictEqual(
        mine.map((r) => [r.day, r.status, r.counts, r.error, r.readThrough?.toISOString() ?? null]),
        [
          ["2026-11-23", "failed", {}, "boom", null],
          ["2026-11-24", "succeeded", { events_archived: 10, reconciliation_gap: 0 }, null, "2026-11-25T00:00:03.250Z"],
          ["2026-11-20", "failed", {}, "abandoned: the process ended during the run", null]
        ]
      )
      const processed = yield* store.processedDays
      assert.deepStrictEqual(
        processed.find((p) => p.day === "2026-11-24"),
        { day: "2026-11-24", readThrough: new Date("2026-11-25T00:00:03.250Z") }
      )
      assert.isUndefined(processed.find((p) => p.day === "2026-11-23" || p.day === "2026-11-20"))
    })
  )

  it.effect("processedDays: each day with a succeeded run and what its latest succeeded run read; firstRunDay", () =>
    Effect.gen(function* () {
      const store: AnalyticsStoreApi = yield* AnalyticsStore
      const first = yield* store.firstRunDay
      const record = (day: string, status: "succeeded" | "failed", readThrough?: string) =>
        Effect.gen(function* () {
          const id = yield* store.startRun(day, new Date("2026-01-10T00:00:00Z"))
          yield* store.finishRun(id, {
            status,
            finishedAt: new Date("2026-01-10T00:00:01Z"),
            counts: {},
            ...(readThrough === undefined ? {} : { readThrough: new Date(readThrough) })
          })
        })
      yield* store.withRunLock(
        Effect.all([
          record("2026-01-02", "succeeded", "2026-01-03T00:00:01Z"),
          record("2026-01-02", "succeeded", "2026-01-04T00:00:01Z"),
          record("2026-01-02", "failed"),
          record("2026-01-01", "failed"),
          record("2026-01-03", "succeeded")
        ])
      )
      const processed = (yield* store.processedDays).filter((p) => p.day < "2026-02-01")
      assert.deepStrictEqual(processed, [
        { day: "2026-01-02", readThrough: new Date("2026-01-04T00:00:01Z") },
        { day: "2026-01-03", readThrough: null }
      ])
      // the first run recorded, not the earliest day: backfilling older days does not move it
      assert.strictEqual(yield* store.firstRunDay, first ?? "2026-01-02")
    })
  )

  it.effect("replaceDay stores every storable row and returns the rows refused for their content", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      const d = "2026-11-20"
      const category = (name: string, pins: number) => ({
        day: d,
        category: name,
        pins,
        median_follower_count: null,
        downloaded_ratio: 1,
        images: pins,
        videos: 0,
        stories: 0
      })
      const refused = yield* store.replaceDay(d, {
        categories: [category("art", 2), category("nul\u0000x", 1), category(incompressible, 1)],
        // both are "a\ufffd" once sent: the second collides with the first
        tags: [
          { day: d, tag: "a\ud800", pins: 1 },
          { day: d, tag: "a\udbff", pins: 2 },
          { day: d, tag: "ok", pins: 3 }
        ]
      })
      assert.deepStrictEqual(
        refused.map((r) => [r.table, r.table === "daily_tag_counts" ? r.row.tag : r.row.category]),
        [
          ["daily_category_stats", "nul\u0000x"],
          ["daily_category_stats", incompressible],
          ["daily_tag_counts", "a\udbff"]
        ]
      )
      const rows = yield* read(d)
      assert.deepStrictEqual(rows.categories, [["art", 2, null]])
      assert.deepStrictEqual(rows.tags, [
        ["a\ufffd", 1],
        ["ok", 3]
      ])
    })
  )

  it.effect("unreadableObjects: of the keys asked, those recorded as a whole-object reject (line 0)", () =>
    Effect.gen(function* () {
      const store = yield* AnalyticsStore
      const key = (n: number) => `raw/pins/dt=2026-11-17/part-0-${n}-${n}.ndjson.gz`
      yield* store.writeRejects([
        { reason: "invalid_json", detail: "unreadable object after 0 lines", raw: "", object_key: key(1), line: 0 },
        { reason: "empty_pin", detail: "both empty", raw: "{}", object_key: key(2), line: 1 },
        { reason: "invalid_json", detail: "unreadable object after 3 lines", raw: "", object_key: key(3), line: 0 }
      ])
      assert.deepStrictEqual([...(yield* store.unreadableObjects([key(1), key(2), key(4)]))], [key(1)])
      assert.deepStrictEqual([...(yield* store.unreadableObjects([]))], [])
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
        assert.strictEqual((yield* AnalyticsMemory).rejects.filter((r) => r.object_key === reject.object_key).length, 1)
      })
    )
    it.effect("writeRejects keeps rejects as Postgres stores them: NUL and lone surrogates escaped", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        yield* store.writeRejects([
          {
            reason: "schema",
            detail: "a\u0000",
            unique_id: "\udfff",
            raw: "x\ud83d\ude00\ud83d",
            line: 7,
            object_key: "k"
          }
        ])
        const [stored] = (yield* AnalyticsMemory).rejects.filter((r) => r.object_key === "k")
        assert.deepStrictEqual(
          [stored?.detail, stored?.unique_id, stored?.raw],
          ["a\\u0000", "\\udfff", "x\ud83d\ude00\\ud83d"]
        )
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
            select reason, source, "offset", line from pin_rejects
            where "offset" = 41 or object_key = 'raw/pins/dt=2026-11-26/part-0-0-9.ndjson.gz' order by reason`
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

    it.effect("writeRejects stores each reject's event_type (a geo's as geo, one without as pin)", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        const { sql } = yield* Database
        yield* store.writeRejects([
          {
            event_type: "geo",
            reason: "invalid_json",
            detail: "d",
            raw: "{",
            topic: "geos-et",
            partition: 0,
            offset: 7
          },
          {
            event_type: "user",
            reason: "invalid_json",
            detail: "d",
            raw: "{",
            topic: "users-et",
            partition: 0,
            offset: 7
          },
          { reason: "invalid_json", detail: "d", raw: "{", topic: "pins-et", partition: 0, offset: 7 }
        ])
        const rows = yield* Effect.promise(
          () => sql<Array<{ event_type: string; topic: string }>>`
            select event_type, topic from pin_rejects where topic like '%-et' order by topic`
        )
        assert.deepStrictEqual(
          rows.map((r) => [r.topic, r.event_type]),
          [
            ["geos-et", "geo"],
            ["pins-et", "pin"],
            ["users-et", "user"]
          ]
        )
      })
    )

    it.effect(
      "writeRejects stores NUL and lone surrogates escaped, and a row still refused in its last-resort form",
      () =>
        Effect.gen(function* () {
          const store = yield* AnalyticsStore
          const { sql } = yield* Database
          // Stands for any refusal the escaping cannot foresee: here the server refuses raw text with an "é".
          yield* Effect.promise(() =>
            sql.unsafe(`create function refuse_poison() returns trigger language plpgsql as $$
            begin
              if new.raw like '%é%' then raise exception 'refused for the test' using errcode = '22023'; end if;
              return new;
            end $$;
            create trigger refuse_poison before insert on pin_rejects for each row execute function refuse_poison();`)
          )
          const key = "raw/pins/dt=2026-11-19/part-0-0-9.ndjson.gz"
          yield* store.writeRejects([
            {
              reason: "schema",
              detail: "title\u0000",
              unique_id: "id\ud800",
              raw: '{"t":"\u0000\udc00"}',
              object_key: key,
              line: 1
            },
            { reason: "invalid_json", detail: "bad", raw: "REFUSE é\u0000", object_key: key, line: 2 },
            { reason: "empty_pin", detail: "both empty", raw: "{}", object_key: key, line: 3 }
          ])
          yield* Effect.promise(() =>
            sql.unsafe("drop trigger refuse_poison on pin_rejects; drop function refuse_poison()")
          )
          const rows = yield* Effect.promise(
            () => sql<Array<{ reason: string; detail: string; unique_id: string | null; raw: string; line: number }>>`
            select reason, detail, unique_id, raw, line from pin_rejects where object_key = ${key} order by line`
          )
          assert.deepStrictEqual(
            rows.map((r) => [r.line, r.reason, r.detail, r.unique_id, r.raw]),
            [
              [1, "schema", "title\\u0000", "id\\ud800", '{"t":"\\u0000\\udc00"}'],
              [
                2,
                "unstorable",
                "invalid_json: bad (refused by the database: refused for the test)",
                null,
                "REFUSE \\u00e9\\u0000"
              ],
              [3, "empty_pin", "both empty", null, "{}"]
            ]
          )
        })
    )

    it.effect("finishRun stores an error message with NUL and lone surrogates escaped", () =>
      Effect.gen(function* () {
        const store = yield* AnalyticsStore
        const id = yield* store.startRun("2026-11-18", new Date("2026-11-19T00:00:00Z"))
        yield* store.finishRun(id, {
          status: "failed",
          finishedAt: new Date("2026-11-19T00:00:01Z"),
          counts: {},
          error: "bad key a\u0000b\ud800"
        })
        const run = (yield* store.runs(100)).find((r) => r.id === id)
        assert.deepStrictEqual([run?.status, run?.error], ["failed", "bad key a\\u0000b\\ud800"])
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
