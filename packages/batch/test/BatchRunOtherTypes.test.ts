// The geos and users topics in a batch run: their counts in the run's row and metrics, their rejects typed,
// their archive expired by age.
import { assert, describe, it } from "@effect/vitest"
import { AnalyticsMemory, InMemoryLog } from "@pinflow/adapters"
import { Effect } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { TestClock } from "effect/testing"
import { runDay } from "../src/BatchRun.ts"
import { archived, D, env, event, seedEvents } from "./fixtures.ts"

const now = (iso: string) => TestClock.setTime(Date.parse(iso))

const geo = (ind: number, day = D) =>
  JSON.stringify({
    ind,
    timestamp: "2019-11-09 07:45:20",
    latitude: 1.5,
    longitude: 2,
    country: "Aruba",
    ingested_at: `${day}T10:00:00.000Z`
  })
const user = (ind: number, day = D) =>
  JSON.stringify({
    ind,
    user_name: "A B",
    age: 21,
    date_joined: "2015-10-30 01:31:09",
    ingested_at: `${day}T11:00:00.000Z`
  })

const append = (topic: string, values: ReadonlyArray<string>) =>
  Effect.flatMap(InMemoryLog, (log) =>
    log.append(
      topic,
      values.map((value, i) => ({ key: String(i), value }))
    )
  )

const archivedSamples = Effect.map(PrometheusMetrics.format(), (text) =>
  text
    .split("\n")
    .filter(
      (line) => line.startsWith("pinflow_batch_events_archived_total") || line.startsWith("pinflow_batch_rejects_total")
    )
    .sort()
)

describe("batch run: the other types' archive", () => {
  it.effect("records per-type archived counts in the run's row and metrics; unreadable lines are typed rejects", () =>
    Effect.gen(function* () {
      yield* now("2026-11-27T00:00:05Z")
      yield* seedEvents([event(1, `${D}T12:00:00.000Z`)])
      yield* append("geos", [geo(3), geo(4), "not json at all", geo(5)])
      yield* append("users", [user(3), user(4)])
      const summary = yield* runDay(D)

      assert.deepStrictEqual(
        summary.otherTypes.map((o) => [o.type, o.topic, o.events, o.unreadable, o.objects]),
        [
          ["geo", "geos", 4, 1, 4],
          ["user", "users", 2, 0, 2]
        ]
      )
      const memory = yield* AnalyticsMemory
      const counts = memory.runs[0]?.counts ?? {}
      assert.deepStrictEqual(
        Object.fromEntries(
          Object.entries(counts).filter(([k]) => /^(geo|user)_(events_archived|unreadable|objects_written)$/.test(k))
        ),
        {
          geo_events_archived: 4,
          geo_unreadable: 1,
          geo_objects_written: 4,
          user_events_archived: 2,
          user_unreadable: 0,
          user_objects_written: 2
        }
      )
      assert.strictEqual(counts.events_archived, 1)
      assert.deepStrictEqual(
        memory.rejects.map((r) => [r.event_type, r.reason, r.topic, r.raw]),
        [["geo", "invalid_json", "geos", "not json at all"]]
      )
      assert.deepStrictEqual(yield* archivedSamples, [
        'pinflow_batch_events_archived_total{event_type="geo"} 4',
        'pinflow_batch_events_archived_total{event_type="pin"} 1',
        'pinflow_batch_events_archived_total{event_type="user"} 2',
        "pinflow_batch_rejects_total 1"
      ])
    }).pipe(Effect.provide(env()))
  )

  it.effect(
    "retention deletes the geos' and users' parts of days past retention by age; unreadable and recent kept",
    () =>
      Effect.gen(function* () {
        yield* now("2026-11-27T00:00:05Z")
        yield* append("geos", [geo(3), "not json at all"])
        yield* append("users", [user(3)])
        yield* runDay(D)
        const before = [...(yield* archived("raw/geos/")), ...(yield* archived("raw/users/"))].map((o) => o.key).sort()
        assert.strictEqual(before.length, 3)

        // D is far past the 30 days of retention; 2027-01-08 is not
        yield* append("geos", [geo(6, "2027-01-08")])
        yield* append("users", [user(6, "2027-01-08")])
        yield* now("2027-01-10T00:00:05Z")
        const later = yield* runDay("2027-01-09")
        assert.deepStrictEqual(later.retention.deletedByType, { pin: 0, geo: 1, user: 1 })
        assert.strictEqual(later.retention.deleted, 2)
        const keys = [...(yield* archived("raw/geos/")), ...(yield* archived("raw/users/"))].map((o) => o.key)
        assert.deepStrictEqual(keys.map((k) => k.replace(/part-.*$/, "")).sort(), [
          "raw/geos/dt=2027-01-08/",
          "raw/geos/unreadable/",
          "raw/users/dt=2027-01-08/"
        ])
        const counts = (yield* AnalyticsMemory).runs[1]?.counts ?? {}
        assert.deepStrictEqual(
          [counts.objects_deleted, counts.geo_objects_deleted, counts.user_objects_deleted],
          [2, 1, 1]
        )
      }).pipe(Effect.provide(env()))
  )
})
