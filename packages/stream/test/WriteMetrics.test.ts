// What the worker counts per batch written: rows and rejects by event type (issue 12: "metrics labelled by
// type"), pins as well as geo and user events; `pinflow_pins_written_total` stays as design.md names it.
import { assert, describe, it } from "@effect/vitest"
import { PinStore, PinStoreMemory } from "@pinflow/adapters"
import { Effect, Layer, Metric } from "effect"
import * as M from "../src/StreamMetrics.ts"
import { StreamSettings } from "../src/StreamSettings.ts"
import { writeRecords } from "../src/StreamWorker.ts"
import { event, ingestedAt, record } from "./Fixtures.ts"

const geo = (ind: number, latitude: number) =>
  JSON.stringify({
    ind,
    timestamp: "2019-11-09 07:45:20",
    latitude,
    longitude: -167.14,
    country: "Aruba",
    ingested_at: ingestedAt
  })
// as the edge logs it: the names already joined
const user = (ind: number) =>
  JSON.stringify({
    ind,
    user_name: "Amanda Alvarez",
    age: 21,
    date_joined: "2015-10-30 01:31:09",
    ingested_at: ingestedAt
  })

const types = ["pin", "geo", "user"] as const

/** [rows, rejects] written so far per type, and the pins counter. */
const counts = Effect.gen(function* () {
  const read = (metric: Metric.Counter<number>, event_type: string) =>
    Effect.map(Metric.value(Metric.withAttributes(metric, { event_type })), (s) => s.count)
  const byType = new Map<string, readonly [number, number]>()
  for (const type of types)
    byType.set(type, [yield* read(M.eventRowsWritten, type), yield* read(M.rejectsWritten, type)])
  return { byType, pins: (yield* Metric.value(M.pinsWritten)).count }
})

describe("the worker's write metrics", () => {
  it.effect("count rows and rejects by event_type, pins included; a replayed reject counts nothing", () =>
    Effect.gen(function* () {
      const before = yield* counts
      yield* writeRecords([
        record(event("a"), 0),
        record(event("b", { is_image_or_video: "gif" }), 1),
        record(geo(3, -84.8378), 0, { topic: "geos" }),
        record(geo(4, 91), 1, { topic: "geos" }),
        record(geo(5, 1), 2, { topic: "geos" }),
        record(user(3), 0, { topic: "users" })
      ])
      // the same messages again: the rows are the same versions (written again), the rejects not inserted
      yield* writeRecords([record(geo(3, -84.8378), 0, { topic: "geos" }), record(geo(4, 91), 1, { topic: "geos" })])
      const after = yield* counts
      const delta = (type: string) => {
        const [rows0, rejects0] = before.byType.get(type) ?? [0, 0]
        const [rows1, rejects1] = after.byType.get(type) ?? [0, 0]
        return [rows1 - rows0, rejects1 - rejects0]
      }
      assert.deepStrictEqual(
        { pin: delta("pin"), geo: delta("geo"), user: delta("user"), pins: after.pins - before.pins },
        { pin: [1, 1], geo: [3, 1], user: [1, 0], pins: 1 }
      )
      assert.strictEqual((yield* Effect.flatMap(PinStoreMemory, (m) => m.rejects)).length, 2)
    }).pipe(Effect.provide(Layer.mergeAll(PinStore.layerMemory, StreamSettings.layerWith({}))))
  )
})
