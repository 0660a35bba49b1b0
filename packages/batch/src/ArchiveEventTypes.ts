/**
 * Step 1 for the other registered types: each type's topic but the pins' (`geos`, `users`) copied to the
 * archive under `raw/<topic>/`, by the same `archive` step and consumer group. Only the pins are
 * processed into daily statistics; the other types' rows reach the insights through their tables. Best
 * effort: a topic that cannot be archived now (it does not exist yet, the store is down) is logged and
 * left to the next run — its offsets stay uncommitted — and never fails the day's run.
 */
import { Effect } from "effect"
import { type ArchiveSummary, archive } from "./Archive.ts"
import { BatchSettings } from "./BatchSettings.ts"

export const archiveOtherTypes = Effect.fn("Batch.archiveOtherTypes")(function* () {
  const settings = yield* BatchSettings
  const summaries: Array<ArchiveSummary & { readonly topic: string }> = []
  for (const topic of settings.eventTopics) {
    if (topic === settings.topic) continue
    const archived = yield* archive().pipe(
      Effect.provideService(BatchSettings, { ...settings, topic }),
      Effect.map((summary) => ({ ...summary, topic })),
      // best effort: what is not archived now (offsets not committed) is archived by the next run
      Effect.catchCause((cause) =>
        Effect.as(Effect.logWarning(`archive: ${topic} not archived this run`, cause), undefined)
      )
    )
    if (archived === undefined) continue
    yield* Effect.logInfo("archive: done").pipe(
      Effect.annotateLogs({ topic, events: archived.events, objects: archived.objects, bytes: archived.bytes })
    )
    summaries.push(archived)
  }
  return summaries
})
