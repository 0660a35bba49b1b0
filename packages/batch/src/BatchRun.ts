/**
 * One batch run for a UTC day: archive → process → process again the earlier days that got objects
 * nobody read (late events) → the insight tables → retention, under the run lock (runs never overlap). Each processed day is
 * a row of `batch_runs` from start to end, counted in `pinflow_batch_runs_total{status}`, and closed by
 * one summary line. A failed run leaves the day's tables as they were (they are replaced in one
 * transaction at the end of the process step) and its offsets uncommitted if the archive did not finish.
 */
import { AnalyticsStore, type RunCounts } from "@pinflow/adapters"
import { Cause, Clock, Effect, Exit, Metric, Result } from "effect"
import { type ArchiveSummary, archive } from "./Archive.ts"
import { archiveOtherTypes, type TypeArchiveSummary } from "./ArchiveEventTypes.ts"
import { batchRejects, batchRuns, eventsArchived, lastSuccess, reconciliationGap } from "./BatchMetrics.ts"
import { BatchSettings } from "./BatchSettings.ts"
import { addDays, daysUpTo, today } from "./Days.ts"
import { refreshInsights } from "./Insights.ts"
import { type ProcessSummary, processDay } from "./ProcessDay.ts"
import { type RetentionSummary, retention } from "./Retention.ts"
import { unreadDays } from "./UnreadDays.ts"

export interface RunSummary {
  readonly day: string
  readonly archive: ArchiveSummary
  /** The other types' topics archived this run (a topic that could not be is absent: see `archiveOtherTypes`). */
  readonly otherTypes: ReadonlyArray<TypeArchiveSummary>
  readonly process: ProcessSummary
  readonly retention: RetentionSummary
  /** Other days processed in this run (each its own `batch_runs` row) because they held unread objects. */
  readonly reprocessed: ReadonlyArray<{ readonly day: string; readonly succeeded: boolean }>
  readonly durationMs: number
}

const number = new Intl.NumberFormat("en-US")
const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`

const processText = (p: ProcessSummary, unreadable = 0) =>
  [
    `read back ${p.objects} objects (${megabytes(p.bytes)}), ${number.format(p.events)} events`,
    `-> ${number.format(p.pins)} pins, ${number.format(p.rejects + unreadable)} rejects;`,
    `reconciliation gap ${p.gap} (${number.format(p.landed)} landed by the stream)`
  ].join(" ")

/** The one line a run ends with. */
export const formatSummary = (s: RunSummary): string =>
  [
    `batch ${s.day} succeeded in ${(s.durationMs / 1000).toFixed(1)} s:`,
    `archived ${number.format(s.archive.events)} events into ${s.archive.objects} objects (${megabytes(s.archive.bytes)});`,
    ...s.otherTypes.map(
      (o) =>
        `archived ${number.format(o.events)} ${o.type} events into ${o.objects} objects (${megabytes(o.bytes)}), ${number.format(o.unreadable)} unreadable;`
    ),
    `${processText(s.process, s.archive.unreadable)};`,
    ...(s.reprocessed.length === 0
      ? []
      : [`processed again: ${s.reprocessed.map((r) => (r.succeeded ? r.day : `${r.day} (failed)`)).join(", ")};`]),
    `${s.retention.deleted} old objects deleted`
  ].join(" ")

/** What a run did so far: its row's counts, whether it ends well or not. */
interface Progress {
  archive?: ArchiveSummary
  otherTypes?: ReadonlyArray<TypeArchiveSummary>
  process?: ProcessSummary
  retention?: RetentionSummary
  readonly stepMs: Record<string, number>
}

const countsOf = (progress: Progress, durationMs: number): RunCounts => ({
  ...progress.stepMs,
  ...(progress.archive === undefined
    ? {}
    : {
        events_archived: progress.archive.events,
        unreadable: progress.archive.unreadable,
        objects_written: progress.archive.objects,
        bytes_written: progress.archive.bytes,
        ndjson_bytes_written: progress.archive.rawBytes,
        parts_replaced: progress.archive.replaced,
        redelivered_ignored: progress.archive.redelivered
      }),
  // per other type, prefixed with its name: `geo_events_archived`, `user_unreadable`, …
  ...Object.fromEntries(
    (progress.otherTypes ?? []).flatMap((o) => [
      [`${o.type}_events_archived`, o.events],
      [`${o.type}_unreadable`, o.unreadable],
      [`${o.type}_objects_written`, o.objects],
      [`${o.type}_bytes_written`, o.bytes]
    ])
  ),
  ...(progress.process === undefined
    ? {}
    : {
        objects_read: progress.process.objects,
        legacy_objects_read: progress.process.legacyObjects,
        bytes_read: progress.process.bytes,
        events_read: progress.process.events,
        pins: progress.process.pins,
        rejects: progress.process.rejects,
        unreadable_objects: progress.process.unreadableObjects,
        refused_rows: progress.process.refusedRows,
        categories: progress.process.categories,
        tags: progress.process.tags,
        landed_pins: progress.process.landed,
        reconciliation_gap: progress.process.gap
      }),
  ...(progress.retention === undefined
    ? {}
    : {
        objects_deleted: progress.retention.deleted,
        objects_kept_unreadable: progress.retention.keptUnreadable,
        ...Object.fromEntries(
          Object.entries(progress.retention.deletedByType).flatMap(([type, n]) =>
            type === "pin" ? [] : [[`${type}_objects_deleted`, n]]
          )
        )
      }),
  duration_ms: durationMs
})

/** The run's error for `batch_runs.error`; never throws (a cause may have no way to print itself). */
const errorText = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return Result.getOrElse(
    Result.try(() =>
      error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error)
    ),
    () => `${(error as { _tag?: unknown } | null)?._tag ?? "error"} (its message could not be printed)`
  )
}

/** Runs a step and records how long it took (`archive_ms`, `process_ms`, …). */
const timed = <A, E, R>(progress: Progress, name: string, step: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const t0 = yield* Clock.currentTimeMillis
    const result = yield* step
    progress.stepMs[`${name}_ms`] = (yield* Clock.currentTimeMillis) - t0
    return result
  })

/**
 * Runs `steps` as one row of `batch_runs` for `day` (call it holding the lock): `running` now, then
 * `succeeded` or `failed` with its counts and error, and what its processing read (`read_through`).
 */
const recorded = <A, E, R>(day: string, steps: (progress: Progress) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const analytics = yield* AnalyticsStore
    const started = yield* Clock.currentTimeMillis
    const id = yield* analytics.startRun(day, new Date(started))
    yield* Effect.logInfo("batch run started").pipe(Effect.annotateLogs({ day, run: id }))
    const progress: Progress = { stepMs: {} }
    const finish = (status: "succeeded" | "failed", error?: string) =>
      Effect.gen(function* () {
        const finished = yield* Clock.currentTimeMillis
        const readThrough = progress.process?.readThrough ?? null
        yield* analytics.finishRun(id, {
          status,
          finishedAt: new Date(finished),
          counts: countsOf(progress, finished - started),
          ...(error === undefined ? {} : { error }),
          ...(readThrough === null ? {} : { readThrough: new Date(readThrough) })
        })
        yield* Metric.update(Metric.withAttributes(batchRuns, { status }), 1)
        if (status === "succeeded") yield* Metric.update(lastSuccess, finished / 1000)
        return finished - started
      })
    const exit = yield* Effect.exit(steps(progress)).pipe(
      Effect.onInterrupt(() => finish("failed", "interrupted").pipe(Effect.ignore))
    )
    if (Exit.isFailure(exit)) {
      const error = errorText(exit.cause)
      yield* finish("failed", error)
      yield* Effect.logError(`batch ${day} failed: ${error}`).pipe(Effect.annotateLogs({ day, run: id }))
      return yield* Effect.failCause(exit.cause)
    }
    const durationMs = yield* finish("succeeded")
    return { id, value: exit.value, progress, durationMs }
  })

/** Processes an earlier day again as its own run; a failure is recorded and logged, not raised. */
const processAgain = (day: string) =>
  recorded(day, (progress) =>
    Effect.gen(function* () {
      progress.process = yield* timed(progress, "process", processDay(day))
      return progress.process
    })
  ).pipe(
    Effect.tap(({ id, value, durationMs }) =>
      Effect.logInfo(
        `batch ${day} succeeded in ${(durationMs / 1000).toFixed(1)} s (processed again: objects archived after its last run); ${processText(value)}`
      ).pipe(Effect.annotateLogs({ day, run: id }))
    ),
    Effect.result,
    Effect.map((result) => ({ day, succeeded: Result.isSuccess(result) }))
  )

/**
 * The other days this run processes: those it archived objects for, and those of the catch-up window, that
 * hold objects no succeeded processing read; never today (still filling) nor the run's own day.
 */
const daysToProcessAgain = (day: string, archived: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const settings = yield* BatchSettings
    const now = yield* today
    const window = daysUpTo(addDays(now, -1), settings.catchUpMaxDays)
    return yield* unreadDays([...window, ...archived].filter((d) => d !== day && d < now))
  })

export const runDay = Effect.fn("Batch.runDay")(function* (day: string) {
  const analytics = yield* AnalyticsStore
  return yield* analytics.withRunLock(
    Effect.gen(function* () {
      const run = yield* recorded(day, (progress) =>
        Effect.gen(function* () {
          const archived = yield* timed(progress, "archive", archive("pin"))
          progress.archive = archived
          const otherTypes = yield* timed(progress, "archive_other_types", archiveOtherTypes())
          progress.otherTypes = otherTypes
          yield* Effect.logInfo("archive: done").pipe(
            Effect.annotateLogs({ events: archived.events, objects: archived.objects, bytes: archived.bytes })
          )
          const processed = yield* timed(progress, "process", processDay(day))
          progress.process = processed
          const again = yield* daysToProcessAgain(day, archived.days)
          const reprocessed = yield* timed(progress, "reprocess", Effect.forEach(again, processAgain))
          yield* timed(progress, "insights", refreshInsights())
          const retained = yield* timed(progress, "retention", Effect.flatMap(today, retention))
          progress.retention = retained
          return { archive: archived, otherTypes, process: processed, retention: retained, reprocessed }
        })
      )
      const summary: RunSummary = { day, ...run.value, durationMs: run.durationMs }
      yield* Metric.update(Metric.withAttributes(eventsArchived, { event_type: "pin" }), summary.archive.events)
      for (const o of summary.otherTypes)
        yield* Metric.update(Metric.withAttributes(eventsArchived, { event_type: o.type }), o.events)
      const otherUnreadable = summary.otherTypes.reduce((n, o) => n + o.unreadable, 0)
      yield* Metric.update(batchRejects, summary.archive.unreadable + otherUnreadable + summary.process.rejects)
      yield* Metric.update(reconciliationGap, summary.process.gap)
      if (summary.process.gap !== 0)
        yield* Effect.logWarning(
          `reconciliation: ${summary.process.pins} pins archived for ${day} but ${summary.process.landed} in the pins table`
        )
      yield* Effect.logInfo(formatSummary(summary)).pipe(Effect.annotateLogs({ day, run: run.id }))
      return summary
    })
  )
})
