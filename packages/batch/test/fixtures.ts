/** Events, seeding and an in-memory environment for the batch program's tests. */
import { gunzipSync } from "node:zlib"
import {
  type AnalyticsMemory,
  AnalyticsStore,
  InMemoryLog,
  listAll,
  ObjectStore,
  type ObjectStoreApi,
  ObjectStoreError
} from "@pinflow/adapters"
import { makeMemory } from "@pinflow/adapters/ObjectStore/Memory"
import { PinSource } from "@pinflow/adapters/PinSource"
import type { DailyAggregates } from "@pinflow/domain"
import { Effect, Layer, Stream } from "effect"
import { BatchSettings, type BatchSettingsShape } from "../src/BatchSettings.ts"

export const D = "2026-11-26"

const categories = ["art", "travel", "", "mens-fashion"]
const counts = ["7k", "1.5k", "User Info Error", "123", "2M", "0"]
const media = ["image", "video", "multi-video(story page format)"]

/** A logged event (as the edge appends it), varied by `i`; `overrides` replace fields. */
export const event = (i: number, ingestedAt: string, overrides: Record<string, unknown> = {}) => ({
  index: i,
  unique_id: `pin-${i}`,
  title: i % 7 === 0 ? "No Title Data Available" : `Title ${i}`,
  // never both placeholders: only the test's own empty pins are empty
  description: i % 5 === 0 && i % 7 !== 0 ? "No description available" : `About ${i}`,
  follower_count: counts[i % counts.length],
  tag_list: i % 4 === 0 ? "No Tags Available" : `tag${i % 3},tag${i % 5}, shared`,
  is_image_or_video: media[i % media.length],
  image_src: `https://i.example/${i}.jpg`,
  downloaded: i % 2,
  save_location: `Local save in /data/${categories[i % categories.length] || "misc"}`,
  category: categories[i % categories.length],
  ingested_at: ingestedAt,
  ...overrides
})

/** Appends values to the `pins` topic keyed by unique_id (or the given key). */
export const seed = (values: ReadonlyArray<{ readonly key: string | null; readonly value: string }>) =>
  Effect.flatMap(InMemoryLog, (log) => log.append("pins", values))

export const seedEvents = (events: ReadonlyArray<ReturnType<typeof event>>) =>
  seed(events.map((e) => ({ key: String(e.unique_id), value: JSON.stringify(e) })))

/** Switches to make the in-memory object store fail (the emulator "going down"). */
export interface Faults {
  /** Fail this many `put`s from now on. */
  put: number
  /** Fail this many `list`s from now on. */
  list: number
  /** While set, reading objects under this prefix fails. */
  readPrefix?: string | undefined
  /** While set, streaming this object ends early without an error (a download cut short); `get` is whole. */
  truncateStream?: string | undefined
}

export const faultyStore = (faults: Faults): Layer.Layer<ObjectStore> =>
  Layer.sync(ObjectStore, () => {
    const inner: ObjectStoreApi = makeMemory()
    const injected = (operation: "put" | "list", key: string) =>
      Effect.suspend(() => {
        faults[operation] -= 1
        return Effect.fail(new ObjectStoreError({ operation, key, cause: new Error("injected outage") }))
      })
    return ObjectStore.of({
      ...inner,
      put: (key, body, options) => (faults.put > 0 ? injected("put", key) : inner.put(key, body, options)),
      stream: (key) =>
        faults.readPrefix !== undefined && key.startsWith(faults.readPrefix)
          ? Stream.fail(new ObjectStoreError({ operation: "stream", key, cause: new Error("injected outage") }))
          : key === faults.truncateStream
            ? Stream.fromEffect(Effect.map(inner.get(key), (body) => body.subarray(0, body.length - 12)))
            : inner.stream(key),
      list: (prefix, options) => (faults.list > 0 ? injected("list", prefix) : inner.list(prefix, options))
    })
  })

/** A fresh in-memory world: a 3-partition log, the object store, the given analytics store and settings. */
export const envWith = <A>(
  analytics: Layer.Layer<A | AnalyticsStore | AnalyticsMemory>,
  settings: Partial<BatchSettingsShape> = {},
  store: Layer.Layer<ObjectStore> = ObjectStore.layerMemory,
  source: Layer.Layer<PinSource, never, InMemoryLog> = PinSource.layerMemory
) =>
  Layer.mergeAll(source, store, analytics, BatchSettings.layerWith({ partMaxBytes: 4096, ...settings })).pipe(
    Layer.provideMerge(InMemoryLog.layerPartitions(3))
  )

/** `envWith` the in-memory analytics store. */
export const env = (
  settings: Partial<BatchSettingsShape> = {},
  store: Layer.Layer<ObjectStore> = ObjectStore.layerMemory
) => envWith(AnalyticsStore.layerMemory, settings, store)

/** Every object under `prefix` with its gunzipped lines (or raw text for `.json`). */
export const archived = (prefix = "raw/pins/") =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const infos = yield* Stream.runCollect(listAll(store, prefix))
    return yield* Effect.forEach(infos, (info) =>
      Effect.map(store.get(info.key), (body) => ({
        key: info.key,
        size: info.size,
        lines: info.key.endsWith(".gz")
          ? gunzipSync(body)
              .toString("utf8")
              .split("\n")
              .filter((l) => l.length > 0)
          : [new TextDecoder().decode(body)]
      }))
    )
  })

/**
 * The daily rows of `event(0..9, <day>T…)`, stated literally: derived by hand from the fixture above
 * (categories cycle art, travel, "", mens-fashion; counts 7k, 1.5k, User Info Error, 123, 2M, 0; media image,
 * video, story; tags tag<i%3>, tag<i%5>, shared unless i%4 = 0), never computed by the code under test.
 */
export const tenEventsRows = (day: string): DailyAggregates => ({
  categories: [
    // pins 2 and 6: counts null and 7k; story and image; neither downloaded
    {
      day,
      category: "(none)",
      pins: 2,
      median_follower_count: 7000,
      downloaded_ratio: 0,
      images: 1,
      videos: 0,
      stories: 1
    },
    // pins 0, 4, 8: 7k, 2M, null -> (7000 + 2000000) / 2
    {
      day,
      category: "art",
      pins: 3,
      median_follower_count: 1003500,
      downloaded_ratio: 0,
      images: 1,
      videos: 1,
      stories: 1
    },
    // pins 3 and 7: 123 and 1.5k
    {
      day,
      category: "mens-fashion",
      pins: 2,
      median_follower_count: 811.5,
      downloaded_ratio: 1,
      images: 1,
      videos: 1,
      stories: 0
    },
    // pins 1, 5, 9: 1.5k, 0, 123
    {
      day,
      category: "travel",
      pins: 3,
      median_follower_count: 123,
      downloaded_ratio: 1,
      images: 1,
      videos: 1,
      stories: 1
    }
  ],
  tags: [
    { day, tag: "shared", pins: 7 },
    { day, tag: "tag0", pins: 4 },
    { day, tag: "tag1", pins: 3 },
    { day, tag: "tag2", pins: 3 },
    { day, tag: "tag3", pins: 1 },
    { day, tag: "tag4", pins: 1 }
  ]
})
