import { gzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import {
  AnalyticsMemory,
  AnalyticsStore,
  InMemoryLog,
  listAll,
  ObjectStore,
  ObjectStoreError,
  type RefusedAggregate
} from "@pinflow/adapters"
import { makeMemoryAnalytics } from "@pinflow/adapters/AnalyticsStore/Memory"
import { makeMemory } from "@pinflow/adapters/ObjectStore/Memory"
import { PinSource } from "@pinflow/adapters/PinSource"
import { makeMemoryPinSource } from "@pinflow/adapters/PinSource/Memory"
import type { DailyAggregates } from "@pinflow/domain"
import { Effect, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { parseKey } from "../src/ArchiveLayout.ts"
import { runDay } from "../src/BatchRun.ts"
import { retention } from "../src/Retention.ts"
import {
  archived,
  D,
  env,
  envWith,
  event,
  type Faults,
  faultyStore,
  seed,
  seedEvents,
  tenEventsRows
} from "./fixtures.ts"

const at = (day: string, time = "12:00:00.000") => `${day}T${time}Z`
const now = (iso: string) => TestClock.setTime(Date.parse(iso))

/** 40 events on D (with a repeated pin, an empty pin and an unknown media type) and 4 on the next day. */
const dayEvents = () => [
  ...Array.from({ length: 40 }, (_, i) => event(i, at(D, `${String(i % 24).padStart(2, "0")}:00:00.000`))),
  event(3, at(D, "23:59:59.999"), { title: "updated", category: "travel", follower_count: "9k" }),
  event(100, at(D), { title: " ", description: "No description available Story format" }),
  event(101, at(D), { is_image_or_video: "gif" })
]
const nextDayEvents = () => Array.from({ length: 4 }, (_, i) => event(200 + i, at("2026-11-27", "00:00:00.000")))

/**
 * The daily rows the tests expect, stated literally. Derived by hand from the fixture (categories cycle art,
 * travel, "", mens-fashion; counts 7k, 1.5k, User Info Error, 123, 2M, 0; media image, video, story; tags
 * tag<i%3>, tag<i%5>, shared unless i%4 = 0) and cross-checked with an independent re-derivation outside
 * this code base, never computed by the code under test.
 */

/** `dayEvents()` on D: 40 pins (pin-3's 23:59:59.999 version wins: travel, 9k), pin-100 and pin-101 rejected. */
const dayEventsRows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "(none)",
      pins: 10,
      median_follower_count: 1003500,
      downloaded_ratio: 0,
      images: 3,
      videos: 3,
      stories: 4
    },
    {
      day: D,
      category: "art",
      pins: 10,
      median_follower_count: 7000,
      downloaded_ratio: 0,
      images: 4,
      videos: 3,
      stories: 3
    },
    {
      day: D,
      category: "mens-fashion",
      pins: 9,
      median_follower_count: 123,
      downloaded_ratio: 1,
      images: 3,
      videos: 3,
      stories: 3
    },
    {
      day: D,
      category: "travel",
      pins: 11,
      median_follower_count: 123,
      downloaded_ratio: 1,
      images: 4,
      videos: 4,
      stories: 3
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 30 },
    { day: D, tag: "tag0", pins: 14 },
    { day: D, tag: "tag1", pins: 14 },
    { day: D, tag: "tag2", pins: 14 },
    { day: D, tag: "tag3", pins: 6 },
    { day: D, tag: "tag4", pins: 6 }
  ]
}

/** events 1, 2 and 4 on D. */
const events124Rows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "(none)",
      pins: 1,
      median_follower_count: null,
      downloaded_ratio: 0,
      images: 0,
      videos: 0,
      stories: 1
    },
    {
      day: D,
      category: "art",
      pins: 1,
      median_follower_count: 2000000,
      downloaded_ratio: 0,
      images: 0,
      videos: 1,
      stories: 0
    },
    {
      day: D,
      category: "travel",
      pins: 1,
      median_follower_count: 1500,
      downloaded_ratio: 1,
      images: 0,
      videos: 1,
      stories: 0
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 2 },
    { day: D, tag: "tag1", pins: 1 },
    { day: D, tag: "tag2", pins: 1 }
  ]
}

/** event 2 on D. */
const event2Rows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "(none)",
      pins: 1,
      median_follower_count: null,
      downloaded_ratio: 0,
      images: 0,
      videos: 0,
      stories: 1
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 1 },
    { day: D, tag: "tag2", pins: 1 }
  ]
}

/** events 0..9 on D, event 50 late, and pin-3's late version (travel). */
const onTimeAndLateRows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "(none)",
      pins: 3,
      median_follower_count: 7000,
      downloaded_ratio: 0,
      images: 1,
      videos: 0,
      stories: 2
    },
    {
      day: D,
      category: "art",
      pins: 3,
      median_follower_count: 1003500,
      downloaded_ratio: 0,
      images: 1,
      videos: 1,
      stories: 1
    },
    {
      day: D,
      category: "mens-fashion",
      pins: 1,
      median_follower_count: 1500,
      downloaded_ratio: 1,
      images: 0,
      videos: 1,
      stories: 0
    },
    {
      day: D,
      category: "travel",
      pins: 4,
      median_follower_count: 123,
      downloaded_ratio: 1,
      images: 2,
      videos: 1,
      stories: 1
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 8 },
    { day: D, tag: "tag0", pins: 5 },
    { day: D, tag: "tag1", pins: 3 },
    { day: D, tag: "tag2", pins: 4 },
    { day: D, tag: "tag3", pins: 1 },
    { day: D, tag: "tag4", pins: 1 }
  ]
}

/** event 60 on the next day. */
const event60NextDayRows: DailyAggregates = {
  categories: [
    {
      day: "2026-11-27",
      category: "art",
      pins: 1,
      median_follower_count: 7000,
      downloaded_ratio: 0,
      images: 1,
      videos: 0,
      stories: 0
    }
  ],
  tags: []
}

/** event 1 on D. */
const event1Rows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "travel",
      pins: 1,
      median_follower_count: 1500,
      downloaded_ratio: 1,
      images: 0,
      videos: 1,
      stories: 0
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 1 },
    { day: D, tag: "tag1", pins: 1 }
  ]
}

/** event 1 and the late event 2 on D. */
const event1And2LateRows: DailyAggregates = {
  categories: [
    {
      day: D,
      category: "(none)",
      pins: 1,
      median_follower_count: null,
      downloaded_ratio: 0,
      images: 0,
      videos: 0,
      stories: 1
    },
    {
      day: D,
      category: "travel",
      pins: 1,
      median_follower_count: 1500,
      downloaded_ratio: 1,
      images: 0,
      videos: 1,
      stories: 0
    }
  ],
  tags: [
    { day: D, tag: "shared", pins: 2 },
    { day: D, tag: "tag1", pins: 1 },
    { day: D, tag: "tag2", pins: 1 }
  ]
}

/** Pseudo-random letters: text no compression shortens. */
const letters = (n: number) =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7919 + ((i * i) % 101)) % 26))).join("")

/** The memory store, refusing the daily row of one category as Postgres refuses an unstorable key. */
const refusing = (category: string) =>
  Layer.effect(
    AnalyticsStore,
    Effect.map(AnalyticsMemory, (state) => {
      const inner = makeMemoryAnalytics(state)
      return AnalyticsStore.of({
        ...inner,
        replaceDay: (day, aggregates) =>
          Effect.map(
            inner.replaceDay(day, {
              categories: aggregates.categories.filter((c) => c.category !== category),
              tags: aggregates.tags
            }),
            (refused): ReadonlyArray<RefusedAggregate> => [
              ...refused,
              ...aggregates.categories
                .filter((c) => c.category === category)
                .map((row) => ({ table: "daily_category_stats" as const, row, error: "refused for the test" }))
            ]
          )
      })
    })
  ).pipe(
    Layer.provideMerge(
      Layer.sync(AnalyticsMemory, () => ({ days: new Map(), runs: [], rejects: [], landed: new Map() }))
    )
  )

/**
 * The in-memory source, re-delivering as a consumer that rejoined its group would: once every record was
 * delivered, partition 0 is delivered again from its second record on.
 */
const redelivering = Layer.effect(
  PinSource,
  Effect.map(makeMemoryPinSource, (inner) =>
    PinSource.of({
      ...inner,
      readToEnd: (options) =>
        Effect.map(inner.readToEnd(options), (consumption) => ({
          ...consumption,
          records: Stream.unwrap(
            Effect.map(Stream.runCollect(consumption.records), (all) =>
              Stream.fromIterable([...all, ...all.filter((r) => r.partition === 0).slice(1)])
            )
          )
        }))
    })
  )
)

const committed = (partition: number) =>
  Effect.flatMap(InMemoryLog, (log) => log.committed("pinflow-archive", "pins", partition))

/** An event as the original design stored it: as posted, without `ingested_at`. */
const posted = (i: number, overrides: Record<string, unknown> = {}) => {
  const { ingested_at: _t, ...rest } = event(i, at(D), overrides)
  return { ...rest, poster_name: "Someone Personal" }
}
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2))

describe("batch run (in memory)", () => {
  it.effect("archives every message into named gzip parts, commits, and writes the domain's aggregates", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      const events = [...dayEvents(), ...nextDayEvents()]
      const appended = yield* seedEvents(events)
      const summary = yield* runDay(D)

      const objects = yield* archived()
      // every message exactly once, in the part named after its partition, day and offsets
      assert.strictEqual(objects.flatMap((o) => o.lines).length, events.length)
      for (const object of objects) {
        const part = parseKey(object.key)
        assert.strictEqual(part?._tag, "Part", object.key)
        if (part?._tag !== "Part") continue
        const inPart = events
          .map((e, i) => ({ e, where: appended[i] }))
          .filter(
            ({ e, where }) =>
              where?.partition === part.partition &&
              where.offset >= part.firstOffset &&
              where.offset <= part.lastOffset &&
              e.ingested_at.slice(0, 10) === part.day
          )
        assert.deepStrictEqual(
          object.lines,
          inPart.map(({ e }) => JSON.stringify(e)),
          object.key
        )
      }
      assert.deepStrictEqual([...new Set(objects.map((o) => parseKey(o.key)?.day))].sort(), [D, "2026-11-27"])
      for (const p of [0, 1, 2])
        assert.strictEqual(yield* committed(p), appended.filter((a) => a.partition === p).length)

      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.days.get(D), dayEventsRows)
      assert.isFalse(memory.days.has("2026-11-27"))
      assert.deepStrictEqual(memory.rejects.map((r) => [r.reason, r.unique_id]).sort(), [
        ["empty_pin", "pin-100"],
        ["unknown_media_type", "pin-101"]
      ])
      assert.strictEqual(summary.archive.events, 47)
      assert.strictEqual(summary.process.pins, 40)
      assert.strictEqual(summary.process.gap, 40)
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.day, r.status, r.counts.events_archived, r.counts.pins, r.counts.reconciliation_gap]),
        [[D, "succeeded", 47, 40, 40]]
      )
    }).pipe(Effect.provide(env()))
  )

  it.effect("running a day again changes nothing: same objects, same tables, no new rejects", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([...dayEvents(), ...nextDayEvents()])
      yield* runDay(D)
      const memory = yield* AnalyticsMemory
      const before = { objects: yield* archived(), tables: memory.days.get(D), rejects: memory.rejects.length }
      const again = yield* runDay(D)
      assert.strictEqual(again.archive.events, 0)
      assert.deepStrictEqual(yield* archived(), before.objects)
      assert.deepStrictEqual(memory.days.get(D), before.tables)
      assert.strictEqual(memory.rejects.length, before.rejects)
      assert.deepStrictEqual(
        memory.runs.map((r) => r.status),
        ["succeeded", "succeeded"]
      )
    }).pipe(Effect.provide(env()))
  )

  it.effect("splits a partition's day into parts of at most BATCH_PART_MAX_BYTES", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      const events = Array.from({ length: 90 }, (_, i) => event(i, at(D)))
      yield* seedEvents(events)
      const summary = yield* runDay(D)
      const objects = yield* archived()
      assert.isAbove(objects.length, 3)
      for (const o of objects) assert.isAtMost(Buffer.byteLength(`${o.lines.join("\n")}\n`), 2048)
      assert.strictEqual(summary.archive.objects, objects.length)
      assert.strictEqual(objects.flatMap((o) => o.lines).length, 90)
      assert.strictEqual(summary.process.events, 90)
    }).pipe(Effect.provide(env({ partMaxBytes: 2048 })))
  )

  const faults: Faults = { put: 0, list: 0 }
  it.effect("a run that fails after its uploads commits nothing; the next run replaces its parts, never doubles", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      const first = Array.from({ length: 20 }, (_, i) => event(i, at(D)))
      yield* seedEvents(first)
      faults.list = 1 // the store goes down right after the uploads
      const failed = yield* runDay(D).pipe(Effect.flip)
      assert.strictEqual(failed._tag, "ObjectStoreError")
      for (const p of [0, 1, 2]) assert.strictEqual(yield* committed(p), 0)
      const memory = yield* AnalyticsMemory
      assert.isFalse(memory.days.has(D))
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.status, r.error?.includes("injected outage")]),
        [["failed", true]]
      )
      const leftovers = (yield* archived()).length
      assert.isAbove(leftovers, 0)

      const late = Array.from({ length: 6 }, (_, i) => event(50 + i, at(D, "18:00:00.000")))
      yield* seedEvents(late)
      const summary = yield* runDay(D)
      const objects = yield* archived()
      const lines = objects.flatMap((o) => o.lines)
      assert.strictEqual(lines.length, 26)
      assert.strictEqual(new Set(lines).size, 26)
      assert.strictEqual(summary.archive.events, 26)
      assert.isAbove(summary.archive.replaced, 0)
      assert.strictEqual(summary.process.pins, 26)
    }).pipe(Effect.provide(env({}, faultyStore(faults))))
  )

  it.effect("keeps unreadable messages under raw/pins/unreadable/ and records them as rejects with coordinates", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      const placed = yield* seed([
        { key: "x", value: "not json at all" },
        { key: "y", value: JSON.stringify({ unique_id: "y", title: "no time" }) },
        { key: "pin-1", value: JSON.stringify(event(1, at(D))) }
      ])
      const summary = yield* runDay(D)
      const unreadable = yield* archived("raw/pins/unreadable/")
      const values = unreadable.flatMap((o) => o.lines.map((l) => JSON.parse(l).value)).sort()
      assert.deepStrictEqual(values, ["not json at all", JSON.stringify({ unique_id: "y", title: "no time" })])
      const rejects = (yield* AnalyticsMemory).rejects
      assert.deepStrictEqual(
        rejects.map((r) => [r.reason, r.raw, r.topic, r.partition, r.offset]).sort(),
        [
          ["invalid_json", "not json at all", "pins", placed[0]?.partition, placed[0]?.offset],
          [
            "schema",
            JSON.stringify({ unique_id: "y", title: "no time" }),
            "pins",
            placed[1]?.partition,
            placed[1]?.offset
          ]
        ].sort()
      )
      assert.strictEqual(summary.archive.unreadable, 2)
      assert.strictEqual(summary.process.pins, 1)
    }).pipe(Effect.provide(env()))
  )

  it.effect("processes the original's one-JSON-per-event objects: in day folders and under the legacy prefix", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      yield* now(at(D, "08:00:00.000"))
      yield* store.put(`raw/pins/dt=${D}/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d.json`, json(posted(1)))
      yield* store.put("legacy/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed.json", json(posted(2)))
      yield* store.put(
        "legacy/6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b.json",
        json(posted(100, { title: "", description: "No description available" }))
      )
      yield* store.put("legacy/notes.txt", json("not an event"))
      yield* now(at("2026-11-25", "08:00:00.000"))
      yield* store.put("legacy/a8098c1a-f86e-11da-bd1a-00112444be1e.json", json(posted(3)))
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([event(4, at(D))])

      const summary = yield* runDay(D)
      assert.strictEqual(summary.process.legacyObjects, 3)
      assert.strictEqual(summary.process.objects, 4)
      assert.strictEqual(summary.process.pins, 3)
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.days.get(D), events124Rows)
      assert.deepStrictEqual(
        memory.rejects.map((r) => [r.reason, r.object_key, r.line]),
        [["empty_pin", "legacy/6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b.json", 1]]
      )
      assert.notInclude(memory.rejects[0]?.raw ?? "", "Someone Personal")
    }).pipe(Effect.provide(env({ legacyPrefix: "legacy/" })))
  )

  it.effect("with the legacy prefix at the bucket's top level, reads and deletes only <uuid>.json objects", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      const legacy = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed.json"
      yield* now(at(D, "08:00:00.000"))
      yield* store.put(legacy, json(posted(2)))
      // other people's files: even one shaped like an event is not ours without the original's name
      yield* store.put("package.json", json({ name: "someone-elses", version: "1.0.0" }))
      yield* store.put("notes.json", json(posted(5)))
      yield* now("2026-11-27T00:00:05Z")
      const summary = yield* runDay(D)
      assert.strictEqual(summary.process.legacyObjects, 1)
      assert.strictEqual(summary.process.pins, 1)
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.rejects, [])
      assert.deepStrictEqual(memory.days.get(D), event2Rows)

      yield* now("2026-12-28T00:00:05Z") // D is past the 30 days of retention
      const later = yield* runDay("2026-12-27")
      assert.strictEqual(later.retention.deleted, 1)
      const keys = (yield* archived("")).map((o) => o.key)
      assert.notInclude(keys, legacy)
      assert.includeMembers(keys, ["package.json", "notes.json"])
    }).pipe(Effect.provide(env({ legacyPrefix: "" })))
  )

  it.effect("retention deletes only our objects of old days whose run succeeded", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      const bytes = gzipSync("{}\n")
      // two processed days, and one never processed: past retention and before the catch-up window
      for (const day of ["2026-10-01", "2026-10-02"]) {
        yield* now(`${day}T12:00:00Z`)
        yield* seedEvents([event(Number(day.slice(-1)), at(day))])
        yield* now(`${day}T23:00:00Z`)
        yield* runDay(day)
      }
      const neverProcessed = "raw/pins/dt=2026-09-29/part-0-0-0.ndjson.gz"
      yield* store.put(neverProcessed, bytes)
      yield* store.put("raw/pins/dt=2026-10-01/notes.txt", bytes)
      yield* store.put("elsewhere/2026-10-01.json", bytes)
      // 2026-10-01 and 2026-09-29 are now past the 30 days; 2026-10-02 is not. The catch-up window
      // (31 days up to 2026-10-31) starts at 2026-10-01, so nothing processes 2026-09-29.
      yield* now("2026-11-01T00:30:00Z")
      const summary = yield* runDay("2026-10-31")
      assert.deepStrictEqual(summary.reprocessed, [])
      assert.deepStrictEqual(summary.retention.keptUnprocessed, ["2026-09-29"])
      const keys = (yield* archived("")).map((o) => o.key)
      assert.notInclude(keys.join(" "), "dt=2026-10-01/part")
      assert.include(keys.join(" "), "dt=2026-10-02/part")
      assert.include(keys, neverProcessed)
      assert.include(keys, "raw/pins/dt=2026-10-01/notes.txt")
      assert.include(keys, "elsewhere/2026-10-01.json")
      assert.deepStrictEqual(
        (yield* AnalyticsMemory).runs.map((r) => [r.day, r.status]),
        [
          ["2026-10-01", "succeeded"],
          ["2026-10-02", "succeeded"],
          ["2026-10-31", "succeeded"]
        ]
      )
    }).pipe(Effect.provide(env()))
  )

  it.effect("reports the reconciliation gap against the rows the stream worker landed", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents(Array.from({ length: 10 }, (_, i) => event(i, at(D))))
      const memory = yield* AnalyticsMemory
      memory.landed.set(D, 8)
      const summary = yield* runDay(D)
      assert.strictEqual(summary.process.pins, 10)
      assert.strictEqual(summary.process.landed, 8)
      assert.strictEqual(summary.process.gap, 2)
      assert.strictEqual(memory.runs[0]?.counts.reconciliation_gap, 2)
    }).pipe(Effect.provide(env()))
  )

  it.effect("events stamped before midnight but archived the next night are processed under their own day", () =>
    Effect.gen(function* () {
      const next = "2026-11-27"
      yield* now("2026-11-27T00:00:05Z")
      const onTime = Array.from({ length: 10 }, (_, i) => event(i, at(D)))
      yield* seedEvents(onTime)
      yield* runDay(D)
      // stamped at 23:59:59.9, acknowledged by Kafka after the 00:00 run took its end offsets
      const late = [
        event(50, at(D, "23:59:59.900")),
        event(3, at(D, "23:59:59.950"), { title: "updated late", category: "travel" })
      ]
      yield* seedEvents([...late, event(60, at(next))])
      yield* now("2026-11-28T00:00:05Z")
      const summary = yield* runDay(next)

      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.days.get(D), onTimeAndLateRows)
      assert.deepStrictEqual(memory.days.get(next), event60NextDayRows)
      assert.deepStrictEqual(summary.reprocessed, [{ day: D, succeeded: true }])
      // each processing is a row of batch_runs: the run of the 27th, and the 26th processed again
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.day, r.status, r.counts.pins, r.counts.events_archived]),
        [
          [D, "succeeded", 10, 10],
          [next, "succeeded", 1, 3],
          [D, "succeeded", 11, undefined]
        ]
      )
      // nothing left unread: the next run processes only its own day
      yield* now("2026-11-29T00:00:05Z")
      assert.deepStrictEqual((yield* runDay("2026-11-28")).reprocessed, [])
    }).pipe(Effect.provide(env()))
  )

  const readFaults: Faults = { put: 0, list: 0 }
  it.effect("a day whose processing again fails is recorded failed and processed by the next run", () =>
    Effect.gen(function* () {
      const next = "2026-11-27"
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([event(1, at(D))])
      yield* runDay(D)
      yield* seedEvents([event(2, at(D, "23:59:59.990")), event(3, at(next))])
      yield* now("2026-11-28T00:00:05Z")
      readFaults.readPrefix = `raw/pins/dt=${D}/`
      const summary = yield* runDay(next)
      assert.deepStrictEqual(summary.reprocessed, [{ day: D, succeeded: false }])
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.day, r.status]),
        [
          [D, "succeeded"],
          [next, "succeeded"],
          [D, "failed"]
        ]
      )
      assert.deepStrictEqual(memory.days.get(D), event1Rows)

      readFaults.readPrefix = undefined
      yield* now("2026-11-28T00:01:05Z")
      const retried = yield* runDay(next)
      assert.deepStrictEqual(retried.reprocessed, [{ day: D, succeeded: true }])
      assert.deepStrictEqual(memory.days.get(D), event1And2LateRows)
    }).pipe(Effect.provide(env({}, faultyStore(readFaults))))
  )

  it.effect("retention deletes only objects the latest succeeded processing of their day read", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      const day = "2026-10-01"
      yield* now("2026-10-02T00:00:05Z")
      yield* seedEvents([event(1, at(day)), event(2, at(day))])
      yield* runDay(day)
      const read = (yield* archived(`raw/pins/dt=${day}/`)).map((o) => o.key)
      assert.isAbove(read.length, 0)
      // archived after that processing (late events), and never processed since
      yield* now("2026-10-03T00:00:05Z")
      const late = `raw/pins/dt=${day}/part-0-900-900.ndjson.gz`
      yield* store.put(late, gzipSync(`${JSON.stringify(event(9, at(day, "23:59:59.999")))}\n`))

      yield* now("2026-11-01T00:30:00Z") // the day is now past the 30 days
      const summary = yield* retention("2026-11-01")
      assert.strictEqual(summary.deleted, read.length)
      assert.deepStrictEqual(summary.keptUnprocessed, [day])
      assert.deepStrictEqual(
        (yield* archived(`raw/pins/dt=${day}/`)).map((o) => o.key),
        [late]
      )
    }).pipe(Effect.provide(env()))
  )

  it.effect(
    "one odd event never fails the day: each poison line becomes its own reject, good events are aggregated",
    () =>
      Effect.gen(function* () {
        yield* now("2026-11-27T00:00:05Z")
        const good = Array.from({ length: 10 }, (_, i) => event(i, at(D)))
        const poison = [
          // more fraction digits than a double's exponent: cleaning overflowed and threw
          event(300, at(D), { unique_id: "p-follower", category: "follow", follower_count: `1.${"5".repeat(400)}` }),
          event(301, at(D), { unique_id: "p-long-category", category: letters(4000) }),
          event(302, at(D), { unique_id: "p-long-tag", category: "longtag", tag_list: `${letters(5000)},fine` }),
          // different texts, the same text once Postgres stores them (U+FFFD)
          event(303, at(D), { unique_id: "p-surrogate-1", category: "cat\ud800", tag_list: "t\ud800" }),
          event(304, at(D), { unique_id: "p-surrogate-2", category: "cat\udbff", tag_list: "t\udbff" })
        ]
        const deep = `{"a":${"[".repeat(100)}${"]".repeat(100)},"ingested_at":"${at(D)}"}`
        yield* seedEvents([...good, ...poison])
        yield* seed([
          // another producer's value with a raw NUL: not JSON, kept as an unreadable message
          { key: "p-nul", value: '{"unique_id":"p-nul","title":"a\u0000b"' },
          // nested past 64 levels, dated by its tail: refused by parseJson when the day is processed
          { key: "p-deep", value: deep }
        ])
        const summary = yield* runDay(D)

        const memory = yield* AnalyticsMemory
        assert.deepStrictEqual(
          memory.runs.map((r) => [r.day, r.status]),
          [[D, "succeeded"]]
        )
        const tables = memory.days.get(D)
        const goodCategories = ["(none)", "art", "mens-fashion", "travel"]
        assert.deepStrictEqual(
          tables?.categories.filter((c) => goodCategories.includes(c.category)),
          tenEventsRows(D).categories
        )
        assert.deepStrictEqual(
          tables?.tags.filter((t) => ["shared", "tag0", "tag1", "tag2", "tag3", "tag4"].includes(t.tag)),
          tenEventsRows(D).tags
        )
        // the long tag was dropped, its pin kept
        assert.deepStrictEqual(tables?.categories.find((c) => c.category === "longtag")?.pins, 1)
        assert.deepStrictEqual(tables?.tags.find((t) => t.tag === "fine")?.pins, 1)
        // every key is storable and unique
        const keys = [...(tables?.categories.map((c) => c.category) ?? []), ...(tables?.tags.map((t) => t.tag) ?? [])]
        for (const key of keys) {
          assert.isTrue(key.isWellFormed() && !key.includes("\u0000") && [...key].length <= 256, key.slice(0, 40))
        }
        assert.strictEqual(new Set(tables?.categories.map((c) => c.category)).size, tables?.categories.length)
        // 402 characters: past rule 1's 64 for follower_count (it used to make cleaning throw); lone surrogates
        // are schema rejects too, never colliding keys
        assert.deepStrictEqual(
          memory.rejects.filter((r) => r.unique_id === "p-follower").map((r) => [r.reason, r.detail.slice(0, 15)]),
          [["schema", "follower_count:"]]
        )
        assert.deepStrictEqual(
          memory.rejects.filter((r) => r.unique_id?.startsWith("p-surrogate") === true).map((r) => r.reason),
          ["schema", "schema"]
        )

        assert.deepStrictEqual(
          memory.rejects
            .filter((r) => r.unique_id === "p-long-category" || r.raw === deep || r.offset !== undefined)
            .map((r) => [r.reason, r.unique_id ?? r.raw.slice(0, 12)])
            .sort((a, b) => `${a}`.localeCompare(`${b}`)),
          [
            ["invalid_json", '{"unique_id"'],
            ["invalid_json", deep.slice(0, 12)],
            ["schema", "p-long-category"]
          ].sort((a, b) => `${a}`.localeCompare(`${b}`))
        )
        // every reject as Postgres stores it: the NUL escaped
        assert.strictEqual(
          memory.rejects.find((r) => r.offset !== undefined)?.raw,
          '{"unique_id":"p-nul","title":"a\\u0000b"'
        )
        for (const r of memory.rejects)
          for (const text of [r.reason, r.detail, r.raw, r.unique_id ?? ""])
            assert.isTrue(text.isWellFormed() && !text.includes("\u0000"))
        // every event ends as a pin or a reject
        assert.strictEqual(summary.archive.events, 17)
        assert.strictEqual(summary.archive.unreadable, 1)
        assert.strictEqual(summary.process.events, 16)
        assert.strictEqual(summary.process.pins + summary.process.rejects, 16)
        assert.strictEqual(memory.rejects.length, summary.process.rejects + summary.archive.unreadable)
      }).pipe(Effect.provide(env()))
  )

  it.effect("an object that cannot be decompressed is a reject at line 0; the day succeeds; retention keeps it", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      const day = "2026-10-01"
      yield* now("2026-10-02T00:00:05Z")
      yield* seedEvents([event(1, at(day)), event(2, at(day))])
      const corrupt = `raw/pins/dt=${day}/part-2-500-510.ndjson.gz`
      const whole = gzipSync(`${JSON.stringify(event(7, at(day)))}\n${JSON.stringify(event(8, at(day)))}\n`)
      // cut short: its first line still decompresses
      yield* store.put(corrupt, whole.subarray(0, whole.length - 12))
      const summary = yield* runDay(day)
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(
        memory.runs.map((r) => [r.day, r.status]),
        [[day, "succeeded"]]
      )
      assert.strictEqual(summary.process.unreadableObjects, 1)
      assert.deepStrictEqual(
        memory.rejects.map((r) => [r.reason, r.object_key, r.line, r.detail]),
        [
          [
            "invalid_json",
            corrupt,
            0,
            `unreadable object after 1 lines: ${corrupt}: cannot decompress (unexpected end of file)`
          ]
        ]
      )
      // the lines before the damage count; so do the other objects
      assert.deepStrictEqual(
        memory.days
          .get(day)
          ?.categories.map((c) => c.pins)
          .reduce((a, b) => a + b, 0),
        3
      )

      yield* now("2026-11-02T00:30:00Z") // the day is past the 30 days
      const kept = yield* retention("2026-11-02")
      assert.strictEqual(kept.keptUnreadable, 1)
      assert.deepStrictEqual(
        (yield* Stream.runCollect(listAll(store, `raw/pins/dt=${day}/`))).map((o) => o.key),
        [corrupt]
      )
      assert.isAbove(kept.deleted, 0)
    }).pipe(Effect.provide(env()))
  )

  it.effect("a daily row the database refuses is an unstorable reject; the rest of the day lands", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([
        ...Array.from({ length: 10 }, (_, i) => event(i, at(D))),
        event(50, at(D), { category: "refuse-me", tag_list: "" })
      ])
      const summary = yield* runDay(D)
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.days.get(D)?.categories, tenEventsRows(D).categories)
      assert.deepStrictEqual(memory.days.get(D)?.tags, tenEventsRows(D).tags)
      assert.strictEqual(summary.process.refusedRows, 1)
      assert.deepStrictEqual(
        memory.rejects.map((r) => [r.reason, r.detail, JSON.parse(r.raw).category, r.line]),
        [["unstorable", "daily_category_stats row refused by the database: refused for the test", "refuse-me", 0]]
      )
      assert.match(memory.rejects[0]?.object_key ?? "", new RegExp(`^daily_category_stats/dt=${D}/[0-9a-f]{64}$`))
      // a re-run records it once
      yield* runDay(D)
      assert.strictEqual(memory.rejects.length, 1)
      assert.deepStrictEqual(
        memory.runs.map((r) => r.status),
        ["succeeded", "succeeded"]
      )
    }).pipe(Effect.provide(envWith(refusing("refuse-me"))))
  )

  it.effect("unreadable messages' parts (raw/pins/unreadable/) are never deleted by retention", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seed([{ key: "x", value: "not json at all" }])
      yield* seedEvents([event(1, at(D))])
      yield* runDay(D)
      const before = (yield* archived()).map((o) => o.key)
      assert.strictEqual(before.filter((k) => k.startsWith("raw/pins/unreadable/")).length, 1)
      assert.strictEqual(before.filter((k) => k.startsWith(`raw/pins/dt=${D}/`)).length, 1)

      yield* now("2027-01-10T00:00:05Z") // D is far past the 30 days of retention
      const later = yield* runDay("2027-01-09")
      assert.strictEqual(later.retention.deleted, 1)
      assert.deepStrictEqual(
        (yield* archived()).map((o) => o.key),
        before.filter((k) => k.startsWith("raw/pins/unreadable/"))
      )
    }).pipe(Effect.provide(env()))
  )

  it.effect(
    "offsets re-delivered after a consumer rejoin are archived once: parts named first <= last, never overlapping",
    () =>
      Effect.gen(function* () {
        yield* now("2026-11-27T00:00:05Z")
        const events = Array.from({ length: 30 }, (_, i) => event(i, at(D)))
        const appended = yield* seedEvents(events)
        const summary = yield* runDay(D)
        const parts = (yield* archived()).map((o) => ({ part: parseKey(o.key), lines: o.lines }))
        const ranges = parts.flatMap(({ part }) =>
          part?._tag === "Part" ? [[part.partition, part.firstOffset, part.lastOffset] as const] : []
        )
        assert.strictEqual(ranges.length, parts.length)
        for (const [, first, last] of ranges) assert.isAtMost(first, last)
        for (const a of ranges)
          for (const b of ranges)
            if (a !== b && a[0] === b[0]) assert.isTrue(a[2] < b[1] || b[2] < a[1], `${a} overlaps ${b}`)
        const lines = parts.flatMap((p) => p.lines)
        assert.strictEqual(lines.length, 30)
        assert.strictEqual(new Set(lines).size, 30)
        const redelivered = appended.filter((a) => a.partition === 0).length - 1
        assert.strictEqual(summary.archive.events, 30)
        assert.strictEqual(summary.archive.redelivered, redelivered)
        assert.strictEqual((yield* AnalyticsMemory).runs[0]?.counts.redelivered_ignored, redelivered)
        assert.strictEqual(summary.process.pins, 30)
        // committed up to the end, not back to a re-delivered offset
        for (const p of [0, 1, 2])
          assert.strictEqual(yield* committed(p), appended.filter((a) => a.partition === p).length)
      }).pipe(Effect.provide(envWith(AnalyticsStore.layerMemory, {}, ObjectStore.layerMemory, redelivering)))
  )

  const cutFaults: Faults = { put: 0, list: 0 }
  it.effect("a download cut short is an outage, not a damaged object: the day fails and the next run reads it", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([event(1, at(D)), event(2, at(D))])
      yield* runDay(D)
      const [part] = (yield* archived(`raw/pins/dt=${D}/`)).map((o) => o.key)
      cutFaults.truncateStream = part
      const failed = yield* runDay(D).pipe(Effect.flip)
      assert.strictEqual(failed._tag, "ObjectStoreError")
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(memory.rejects, [])
      cutFaults.truncateStream = undefined
      const summary = yield* runDay(D)
      assert.strictEqual(summary.process.pins, 2)
      assert.deepStrictEqual(
        memory.runs.map((r) => r.status),
        ["succeeded", "failed", "succeeded"]
      )
      assert.deepStrictEqual(memory.rejects, [])
    }).pipe(Effect.provide(env({}, faultyStore(cutFaults))))
  )

  it.effect("a run whose error cannot print itself is still recorded failed", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([event(1, at(D))])
      const failed = yield* runDay(D).pipe(Effect.flip)
      assert.strictEqual(failed._tag, "ObjectStoreError")
      assert.deepStrictEqual(
        (yield* AnalyticsMemory).runs.map((r) => [r.status, r.error]),
        [["failed", "ObjectStoreError (its message could not be printed)"]]
      )
    }).pipe(
      Effect.provide(
        env(
          {},
          Layer.succeed(
            ObjectStore,
            ObjectStore.of({
              ...makeMemory(),
              // an error whose message cannot be read
              put: (key) =>
                Effect.fail(
                  Object.defineProperty(new ObjectStoreError({ operation: "put", key, cause: null }), "message", {
                    get: () => {
                      throw new TypeError("Cannot convert object to primitive value")
                    }
                  })
                )
            })
          )
        )
      )
    )
  )

  it.effect("original-design objects: JSON nested past 64 levels is an invalid_json reject; the day succeeds", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      yield* now(at(D, "08:00:00.000"))
      const deep = `{"index":1,"t":${"[".repeat(100)}${"]".repeat(100)}}`
      const deepKey = `raw/pins/dt=${D}/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d.json`
      yield* store.put(deepKey, new TextEncoder().encode(deep))
      yield* store.put(`raw/pins/dt=${D}/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed.json`, json(posted(2)))
      yield* now("2026-11-27T00:00:05Z")
      const summary = yield* runDay(D)
      const memory = yield* AnalyticsMemory
      assert.deepStrictEqual(
        memory.rejects.map((r) => [r.reason, r.detail, r.raw, r.object_key, r.line]),
        [["invalid_json", "JSON nested deeper than 64 levels", deep, deepKey, 1]]
      )
      assert.deepStrictEqual(memory.days.get(D), event2Rows)
      assert.strictEqual(summary.process.pins, 1)
    }).pipe(Effect.provide(env()))
  )
})
