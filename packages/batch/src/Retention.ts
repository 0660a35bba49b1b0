/**
 * Step 3 of a run: delete archived objects of days older than `BATCH_RETENTION_DAYS`.
 *
 * Pins: only objects the latest succeeded processing of their day read (created no later than its
 * `readThrough`, per `batch_runs.read_through`). An object archived after its day was processed (an event
 * stamped before midnight that Kafka acknowledged after that night's snapshot) is kept until a processing
 * read it. Only what pinflow wrote or read is touched: our parts and legacy `<uuid>.json` objects in
 * `raw/pins/dt=D/` folders, and legacy objects under `BATCH_LEGACY_PREFIX`. Unreadable parts
 * (`raw/pins/unreadable/`) have no day and are kept, and so are objects the processing could not read (a
 * reject at line 0).
 *
 * The other types (`raw/geos/`, `raw/users/`): nothing processes their archive (their rows reach the
 * insights through their tables), so once archived an object waits for no step: our parts of days past
 * retention are deleted by age alone. Their unreadable parts have no day and are kept, as the pins'.
 */
import {
  AnalyticsStore,
  type AnalyticsStoreError,
  listAll,
  ObjectStore,
  type ObjectStoreError
} from "@pinflow/adapters"
import { type EventTypeName, utcDay } from "@pinflow/domain"
import { Effect, Stream } from "effect"
import { archiveRootFor, parseKey } from "./ArchiveLayout.ts"
import { archiveRootOf, BatchSettings } from "./BatchSettings.ts"
import { addDays } from "./Days.ts"
import { createdMs } from "./ProcessDay.ts"

export interface RetentionSummary {
  /** Days before this one are past retention. */
  readonly cutoff: string
  /** Objects deleted, of every type. */
  readonly deleted: number
  /** Objects deleted per type (every registered type, 0 included). */
  readonly deletedByType: Readonly<Partial<Record<EventTypeName, number>>>
  /** Objects past retention kept because they could not be read (recorded as rejects at line 0). */
  readonly keptUnreadable: number
  /** Days past retention that still have objects no succeeded processing of the day read. */
  readonly keptUnprocessed: ReadonlyArray<string>
}

export const retention = Effect.fn("Batch.retention")(function* (
  today: string
): Effect.fn.Return<
  RetentionSummary,
  ObjectStoreError | AnalyticsStoreError,
  ObjectStore | AnalyticsStore | BatchSettings
> {
  const store = yield* ObjectStore
  const analytics = yield* AnalyticsStore
  const settings = yield* BatchSettings
  const cutoff = addDays(today, -settings.retentionDays)
  const readThrough = new Map((yield* analytics.processedDays).map((p) => [p.day, p.readThrough?.getTime() ?? null]))

  const root = archiveRootOf(settings)
  const expired = (yield* Stream.runCollect(listAll(store, `${root}dt=`))).flatMap((info) => {
    const object = parseKey(info.key, undefined, root)
    return object?.day != null && object.day < cutoff
      ? [{ key: info.key, day: object.day, created: createdMs(info) }]
      : []
  })
  const legacyPrefix = settings.legacyPrefix
  const expiredLegacy =
    legacyPrefix === undefined
      ? []
      : (yield* Stream.runCollect(listAll(store, legacyPrefix))).flatMap((info) => {
          const day = utcDay(new Date(info.created).toISOString())
          return parseKey(info.key, legacyPrefix, root)?._tag === "Legacy" && day !== null && day < cutoff
            ? [{ key: info.key, day, created: createdMs(info) }]
            : []
        })
  const all = [...expired, ...expiredLegacy]
  const wasRead = (o: { readonly day: string; readonly created: number }) => {
    const through = readThrough.get(o.day)
    return through != null && o.created <= through
  }
  const read = all.filter(wasRead)
  // read, but not readable: kept for whoever can recover it
  const unreadable = yield* analytics.unreadableObjects(read.map((o) => o.key))
  const deletable = read.filter((o) => !unreadable.has(o.key))
  const keptUnprocessed = [...new Set(all.filter((o) => !wasRead(o)).map((o) => o.day))].sort()

  yield* Effect.forEach(deletable, (o) => store.delete(o.key), { concurrency: 8, discard: true })
  const deletedByType: Partial<Record<EventTypeName, number>> = { pin: deletable.length }
  for (const { type, topic } of settings.eventTopics) {
    if (topic === settings.topic) continue
    deletedByType[type] = yield* expireByAge(archiveRootFor(topic, settings.archivePrefix), cutoff)
  }
  const deleted = Object.values(deletedByType).reduce((a, b) => a + b, 0)
  if (deleted > 0 || read.length > 0 || keptUnprocessed.length > 0)
    yield* Effect.logInfo("retention: done").pipe(
      Effect.annotateLogs({
        cutoff,
        deleted,
        ...Object.fromEntries(Object.entries(deletedByType).map(([type, n]) => [`deleted_${type}`, n])),
        keptUnreadable: read.length - deletable.length,
        keptUnprocessed: keptUnprocessed.join(",")
      })
    )
  return {
    cutoff,
    deleted,
    deletedByType,
    keptUnreadable: read.length - deletable.length,
    keptUnprocessed
  } satisfies RetentionSummary
})

/** Deletes our parts (and legacy objects) of days before `cutoff` under an archive root; how many. */
const expireByAge = (root: string, cutoff: string) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const expired = (yield* Stream.runCollect(listAll(store, `${root}dt=`))).flatMap((info) => {
      const day = parseKey(info.key, undefined, root)?.day
      return day != null && day < cutoff ? [info.key] : []
    })
    yield* Effect.forEach(expired, (key) => store.delete(key), { concurrency: 8, discard: true })
    return expired.length
  })
