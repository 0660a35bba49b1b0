/**
 * When runs happen: once (`batch run`), for missed days (`--catch-up`), or on `BATCH_CRON` in UTC
 * (`batch schedule`). A failed run is retried `BATCH_RETRIES` times with exponential backoff from
 * `BATCH_RETRY_DELAY`; a tick processes every day of the last `BATCH_CATCH_UP_MAX_DAYS` without a
 * succeeded run, so a night that failed all its retries is picked up the next nights until it succeeds.
 * Runs in one process follow each other; the run lock keeps runs of different processes apart.
 */
import { AnalyticsStore } from "@pinflow/adapters"
import { Cron, DateTime, Effect, Result, Schedule } from "effect"
import { runDay } from "./BatchRun.ts"
import { BatchSettings } from "./BatchSettings.ts"
import { catchUpDays, daysUpTo, yesterday } from "./Days.ts"
import { holdsObjectsAfter } from "./UnreadDays.ts"

/** One day's run, retried with exponential backoff. */
export const runWithRetries = Effect.fn("Batch.runWithRetries")(function* (day: string) {
  const settings = yield* BatchSettings
  return yield* runDay(day).pipe(
    Effect.tapError((error) =>
      Effect.logWarning(`batch ${day} attempt failed (${error.message}); retrying with backoff`).pipe(
        Effect.annotateLogs({ day, retries: settings.retries })
      )
    ),
    Effect.retry({ schedule: Schedule.exponential(settings.retryDelay), times: settings.retries })
  )
})

/**
 * The days a catch-up processes now, oldest first: of the `BATCH_CATCH_UP_MAX_DAYS` days up to yesterday
 * (UTC), those without a succeeded run, from the first run's day on or with archived objects.
 */
export const missedDays = Effect.gen(function* () {
  const settings = yield* BatchSettings
  const analytics = yield* AnalyticsStore
  const until = yield* yesterday
  const succeeded = new Set((yield* analytics.processedDays).map((p) => p.day))
  const firstRunDay = yield* analytics.firstRunDay
  const beforeFirstRun = daysUpTo(until, settings.catchUpMaxDays).filter(
    (day) => !succeeded.has(day) && (firstRunDay === undefined || day < firstRunDay)
  )
  const archived = yield* Effect.filter(beforeFirstRun, (day) => holdsObjectsAfter(day, null), { concurrency: 4 })
  return catchUpDays(until, settings.catchUpMaxDays, { succeeded, firstRunDay, archived: new Set(archived) })
})

/**
 * Runs each day in order, each with its retries; a day that still fails does not stop the next ones. A day
 * an earlier run of the list already processed (a run also processes other days with unread objects) is
 * not run again.
 */
export const runDays = Effect.fn("Batch.runDays")(function* (days: ReadonlyArray<string>) {
  let failed = 0
  const processed = new Set<string>()
  for (const day of days) {
    if (processed.has(day)) continue
    const outcome = yield* Effect.result(runWithRetries(day))
    if (Result.isFailure(outcome)) {
      failed += 1
      yield* Effect.logError(`batch ${day} failed after its retries: ${outcome.failure.message}`)
    } else
      for (const other of [day, ...outcome.success.reprocessed.filter((r) => r.succeeded).map((r) => r.day)])
        processed.add(other)
  }
  return { days: days.length, failed }
})

/** One scheduled tick: every missed day, and at least yesterday (re-running a day is harmless). */
export const tick = Effect.gen(function* () {
  const days = yield* missedDays
  return yield* runDays(days.length > 0 ? days : [yield* yesterday])
}).pipe(
  // A tick that fails in an unexpected way is logged; the schedule keeps going.
  Effect.catchCause((cause) => Effect.logError("batch tick failed", cause).pipe(Effect.as({ days: 0, failed: 1 })))
)

/** Waits for each `BATCH_CRON` time (UTC) and runs a tick; never ends. */
export const schedule = Effect.gen(function* () {
  const settings = yield* BatchSettings
  const cron = Cron.parse(settings.cron, "UTC")
  const next = Result.isSuccess(cron)
    ? DateTime.formatIso(DateTime.fromDateUnsafe(Cron.next(cron.success, new Date(yield* DateTime.nowAsDate))))
    : "never"
  yield* Effect.logInfo(`batch schedule: "${settings.cron}" (UTC); next run at ${next}`)
  return yield* tick.pipe(Effect.schedule(Schedule.cron(settings.cron, "UTC")), Effect.andThen(Effect.never))
})
