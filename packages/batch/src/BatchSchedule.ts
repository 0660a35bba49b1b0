/**
 * When runs happen: once (`batch run`), for missed days (`--catch-up`), or on `BATCH_CRON` in UTC
 * (`batch schedule`). A failed run is retried `BATCH_RETRIES` times with exponential backoff from
 * `BATCH_RETRY_DELAY`; a tick processes every day since the last succeeded one (bounded by
 * `BATCH_CATCH_UP_MAX_DAYS`), so a night that failed all its retries is picked up the next night.
 * Runs in one process follow each other; the run lock keeps runs of different processes apart.
 */
import { AnalyticsStore } from "@pinflow/adapters"
import { Cron, DateTime, Effect, Result, Schedule } from "effect"
import { runDay } from "./BatchRun.ts"
import { BatchSettings } from "./BatchSettings.ts"
import { catchUpDays, yesterday } from "./Days.ts"

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

/** The days a catch-up processes now: after the last succeeded day, up to yesterday (UTC), bounded. */
export const missedDays = Effect.gen(function* () {
  const settings = yield* BatchSettings
  const analytics = yield* AnalyticsStore
  const last = yield* analytics.lastSucceededDay
  return catchUpDays(last, yield* yesterday, settings.catchUpMaxDays)
})

/** Runs each day in order, each with its retries; a day that still fails does not stop the next ones. */
export const runDays = Effect.fn("Batch.runDays")(function* (days: ReadonlyArray<string>) {
  let failed = 0
  for (const day of days) {
    const outcome = yield* Effect.result(runWithRetries(day))
    if (Result.isFailure(outcome)) {
      failed += 1
      yield* Effect.logError(`batch ${day} failed after its retries: ${outcome.failure.message}`)
    }
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
