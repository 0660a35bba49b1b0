/**
 * Step 1 for the other registered types: each type's topic but the pins' (`geos`, `users`) copied to the
 * archive under `raw/<topic>/`, by the same `archive` step and consumer group; unreadable messages become
 * rejects with their type. Only the pins are processed into daily statistics; the other types' rows reach
 * the insights through their tables. Best effort: a topic that cannot be archived now (it does not exist
 * yet, the store is down) is logged and left to the next run — its offsets stay uncommitted — and never
 * fails the day's run.
 */
import type { EventTypeName } from "@pinflow/domain"
import { Effect } from "effect"
import { type ArchiveSummary, archive } from "./Archive.ts"
import { BatchSettings } from "./BatchSettings.ts"

/** What one other type's topic archived this run. */
export interface TypeArchiveSummary extends ArchiveSummary {
  readonly type: EventTypeName
  readonly topic: string
}

export const archiveOtherTypes = Effect.fn("Batch.archiveOtherTypes")(function* () {
  const settings = yield* BatchSettings
  const summaries: Array<TypeArchiveSummary> = []
  for (const { type, topic } of settings.eventTopics) {
    if (topic === settings.topic) continue
    const archived = yield* archive(type).pipe(
      Effect.provideService(BatchSettings, { ...settings, topic }),
      Effect.map((summary): TypeArchiveSummary => ({ ...summary, type, topic })),
      // best effort: what is not archived now (offsets not committed) is archived by the next run
      Effect.catchCause((cause) =>
        Effect.as(Effect.logWarning(`archive: ${topic} not archived this run`, cause), undefined)
      )
    )
    if (archived === undefined) continue
    yield* Effect.logInfo("archive: done").pipe(
      Effect.annotateLogs({
        topic,
        event_type: type,
        events: archived.events,
        unreadable: archived.unreadable,
        objects: archived.objects,
        bytes: archived.bytes
      })
    )
    summaries.push(archived)
  }
  return summaries
})
