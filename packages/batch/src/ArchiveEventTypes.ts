/**
 * Step 1 for the other registered types: each type's topic but the pins' (`geos`, `users`) copied to the
 * archive under `raw/<topic>/`, by the same `archive` step and consumer group. Only the pins are
 * processed into daily statistics; the other types' rows reach the insights through their tables.
 */
import { Effect } from "effect"
import { type ArchiveSummary, archive } from "./Archive.ts"
import { BatchSettings } from "./BatchSettings.ts"

export const archiveOtherTypes = Effect.fn("Batch.archiveOtherTypes")(function* () {
  const settings = yield* BatchSettings
  const summaries: Array<ArchiveSummary & { readonly topic: string }> = []
  for (const topic of settings.eventTopics) {
    if (topic === settings.topic) continue
    const summary = yield* archive().pipe(Effect.provideService(BatchSettings, { ...settings, topic }))
    yield* Effect.logInfo("archive: done").pipe(
      Effect.annotateLogs({ topic, events: summary.events, objects: summary.objects, bytes: summary.bytes })
    )
    summaries.push({ ...summary, topic })
  }
  return summaries
})
