/**
 * One batch run for a UTC day: archive → process → retention, under the run lock (runs never overlap),
 * recorded in `batch_runs` from start to end, counted in `pinflow_batch_runs_total{status}`, and closed by
 * one summary line. A failed run leaves the day's tables as they were (they are replaced in one
 * transaction at the end of the process step) and its offsets uncommitted if the archive did not finish.
 */
import { AnalyticsStore, type RunCounts } from "@pinflow/adapters"
import { Cause, Clock, Effect, Exit, Metric } from "effect"
import { type ArchiveSummary, archive } from "./Archive.ts"
import { batchRejects, batchRuns, eventsArchived, lastSuccess, reconciliationGap } from "./BatchMetrics.ts"
import { today } from "./Days.ts"
import { type ProcessSummary, processDay } from "./ProcessDay.ts"
import { type RetentionSummary, retention } from "./Retention.ts"

export interface RunSummary {
  readonly day: string
  readonly archive: ArchiveSummary
  readonly process: ProcessSummary
  readonly retention: RetentionSummary
  readonly durationMs: number
}

const number = new Intl.NumberFormat("en-US")
const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`

/** The one line a run ends with. */
export const formatSummary = (s: RunSummary): string =>
  [
    `batch ${s.day} succeeded in ${(s.durationMs / 1000).toFixed(1)} s:`,
    `archived ${number.format(s.archive.events)} events into ${s.archive.objects} objects (${megabytes(s.archive.bytes)});`,
    `read back ${s.process.objects} objects (${megabytes(s.process.bytes)}), ${number.format(s.process.events)} events`,
    `-> ${number.format(s.process.pins)} pins, ${number.format(s.process.rejects + s.archive.unreadable)} rejects;`,
    `reconciliation gap ${s.process.gap} (${number.format(s.process.landed)} landed by the stream);`,
    `${s.retention.deleted} old objects deleted`
  ].join(" ")

const countsOf = (parts: {
  readonly archive?: ArchiveSummary
  readonly process?: ProcessSummary
  readonly retention?: RetentionSummary
  readonly stepMs?: Readonly<Record<string, number>>
  readonly durationMs: number
}): RunCounts => ({
  ...parts.stepMs,
  ...(parts.archive === undefined
    ? {}
    : {
        events_archived: parts.archive.events,
        unreadable: parts.archive.unreadable,
        objects_written: parts.archive.objects,
        bytes_written: parts.archive.bytes,
        ndjson_bytes_written: parts.archive.rawBytes,
        parts_replaced: parts.archive.replaced
      }),
  ...(parts.process === undefined
    ? {}
    : {
        objects_read: parts.process.objects,
        legacy_objects_read: parts.process.legacyObjects,
        bytes_read: parts.process.bytes,
        events_read: parts.process.events,
        pins: parts.process.pins,
        rejects: parts.process.rejects,
        categories: parts.process.categories,
        tags: parts.process.tags,
        landed_pins: parts.process.landed,
        reconciliation_gap: parts.process.gap
      }),
  ...(parts.retention === undefined ? {} : { objects_deleted: parts.retention.deleted }),
  duration_ms: parts.durationMs
})

const errorText = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error)
}

export const runDay = Effect.fn("Batch.runDay")(function* (day: string) {
  const analytics = yield* AnalyticsStore
  return yield* analytics.withRunLock(
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const id = yield* analytics.startRun(day, new Date(started))
      yield* Effect.logInfo("batch run started").pipe(Effect.annotateLogs({ day, run: id }))
      const done: {
        archive?: ArchiveSummary
        process?: ProcessSummary
        retention?: RetentionSummary
        stepMs: Record<string, number>
      } = { stepMs: {} }
      /** Runs a step and records how long it took (`archive_ms`, `process_ms`, `retention_ms`). */
      const timed = <A, E, R>(name: string, step: Effect.Effect<A, E, R>) =>
        Effect.gen(function* () {
          const t0 = yield* Clock.currentTimeMillis
          const result = yield* step
          done.stepMs[`${name}_ms`] = (yield* Clock.currentTimeMillis) - t0
          return result
        })
      const steps = Effect.gen(function* () {
        done.archive = yield* timed("archive", archive())
        yield* Effect.logInfo("archive: done").pipe(
          Effect.annotateLogs({ events: done.archive.events, objects: done.archive.objects, bytes: done.archive.bytes })
        )
        done.process = yield* timed("process", processDay(day))
        done.retention = yield* timed("retention", Effect.flatMap(today, retention))
        return done
      })
      const finish = (status: "succeeded" | "failed", error?: string) =>
        Effect.gen(function* () {
          const finished = yield* Clock.currentTimeMillis
          const counts = countsOf({ ...done, durationMs: finished - started })
          yield* analytics.finishRun(id, {
            status,
            finishedAt: new Date(finished),
            counts,
            ...(error === undefined ? {} : { error })
          })
          yield* Metric.update(Metric.withAttributes(batchRuns, { status }), 1)
          return finished - started
        })
      const exit = yield* Effect.exit(steps).pipe(
        Effect.onInterrupt(() => finish("failed", "interrupted").pipe(Effect.ignore))
      )
      if (Exit.isFailure(exit)) {
        const error = errorText(exit.cause)
        yield* finish("failed", error)
        yield* Effect.logError(`batch ${day} failed: ${error}`).pipe(Effect.annotateLogs({ day, run: id }))
        return yield* Effect.failCause(exit.cause)
      }
      const durationMs = yield* finish("succeeded")
      const summary: RunSummary = {
        day,
        archive: exit.value.archive as ArchiveSummary,
        process: exit.value.process as ProcessSummary,
        retention: exit.value.retention as RetentionSummary,
        durationMs
      }
      yield* Metric.update(eventsArchived, summary.archive.events)
      yield* Metric.update(batchRejects, summary.archive.unreadable + summary.process.rejects)
      yield* Metric.update(reconciliationGap, summary.process.gap)
      yield* Metric.update(lastSuccess, (started + durationMs) / 1000)
      if (summary.process.gap !== 0)
        yield* Effect.logWarning(
          `reconciliation: ${summary.process.pins} pins archived for ${day} but ${summary.process.landed} in the pins table`
        )
      yield* Effect.logInfo(formatSummary(summary)).pipe(Effect.annotateLogs({ day, run: id }))
      return summary
    })
  )
})
