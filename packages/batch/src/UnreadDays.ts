/**
 * Which days need processing again: those whose archive folder holds an object that no succeeded
 * processing of the day read (created after the latest one's `readThrough`, or the day never succeeded).
 * That is how events stamped just before midnight, which Kafka acknowledged after that night's end-offset
 * snapshot, reach their day: the next night archives them under it, and this finds them. It also finds
 * parts a failed reprocessing left, and original-design objects copied into a day folder.
 */
import {
  AnalyticsStore,
  type AnalyticsStoreError,
  listAll,
  ObjectStore,
  type ObjectStoreError
} from "@pinflow/adapters"
import { Effect, Stream } from "effect"
import { dayPrefix, parseKey } from "./ArchiveLayout.ts"
import { archiveRootOf, BatchSettings } from "./BatchSettings.ts"
import { createdMs } from "./ProcessDay.ts"

/** Whether the day's folder holds a part or legacy object created after `after` (null: any such object). */
export const holdsObjectsAfter = (
  day: string,
  after: number | null
): Effect.Effect<boolean, ObjectStoreError, ObjectStore | BatchSettings> =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const root = archiveRootOf(yield* BatchSettings)
    const found = yield* listAll(store, dayPrefix(day, root)).pipe(
      Stream.filter(
        (info) => parseKey(info.key, undefined, root)?.day === day && (after === null || createdMs(info) > after)
      ),
      Stream.take(1),
      Stream.runCollect
    )
    return found.length > 0
  })

/** Of `days`, those holding archived objects no succeeded processing read, ascending. */
export const unreadDays = Effect.fn("Batch.unreadDays")(function* (
  days: ReadonlyArray<string>
): Effect.fn.Return<
  ReadonlyArray<string>,
  ObjectStoreError | AnalyticsStoreError,
  ObjectStore | AnalyticsStore | BatchSettings
> {
  const analytics = yield* AnalyticsStore
  const readThrough = new Map((yield* analytics.processedDays).map((p) => [p.day, p.readThrough?.getTime() ?? null]))
  return yield* Effect.filter(
    [...new Set(days)].sort(),
    (day) => holdsObjectsAfter(day, readThrough.get(day) ?? null),
    {
      concurrency: 4
    }
  )
})
