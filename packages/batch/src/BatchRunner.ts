/** `pinflow batch run`: one day (or yesterday), or the missed days, once, on the live services. */
import { LogLevelLayer } from "@pinflow/adapters"
import { Effect } from "effect"
import { announce, preflight } from "./BatchPreflight.ts"
import { runDay } from "./BatchRun.ts"
import { missedDays, runDays } from "./BatchSchedule.ts"
import { BatchServices } from "./BatchServices.ts"
import { yesterday } from "./Days.ts"

export interface RunOptions {
  /** The day to run (YYYY-MM-DD); default yesterday (UTC). */
  readonly date?: string
  /** Also run every missed day: those of the catch-up window without a succeeded run (`missedDays`). */
  readonly catchUp?: boolean
}

/** The given day (or yesterday), or the missed days; no retries (the caller sees the error). */
export const runOnce = (options: RunOptions) =>
  Effect.gen(function* () {
    yield* announce
    yield* preflight
    if (options.catchUp === true) {
      const missed = yield* missedDays
      const days = [...new Set([...missed, ...(options.date === undefined ? [] : [options.date])])].sort()
      if (days.length === 0) return yield* Effect.logInfo("batch: no missed days; nothing to catch up")
      const result = yield* runDays(days)
      if (result.failed > 0) return yield* Effect.fail(new Error(`${result.failed} of ${result.days} days failed`))
      return
    }
    if (options.date !== undefined) return yield* runDay(options.date)
    const day = yield* yesterday
    const summary = yield* runDay(day)
    // A first try right after producing events finds none: they belong to today, which a plain run skips.
    if (summary.process.events === 0)
      yield* Effect.logInfo(
        `batch: no events of ${day} (yesterday, UTC); events of today are processed by \`pinflow batch run --date $(date -u +%F)\``
      )
  })

export const runBatch = (options: RunOptions) =>
  runOnce(options).pipe(
    Effect.provide(BatchServices),
    Effect.provide(LogLevelLayer),
    Effect.annotateLogs({ service: "batch" })
  )
