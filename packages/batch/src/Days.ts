/** UTC calendar days as `YYYY-MM-DD` strings: the unit of a batch run. */
import { DateTime, Effect } from "effect"

/** The day `n` days after `day` (negative: before). */
export const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** Today in UTC, from the Effect clock (so tests control it). */
export const today: Effect.Effect<string> = Effect.map(DateTime.now, (now) => DateTime.formatIsoDate(now))

/** Yesterday in UTC: the day a run at 00:00 UTC processes. */
export const yesterday: Effect.Effect<string> = Effect.map(today, (d) => addDays(d, -1))

/** The `count` days ending with `until`, oldest first. */
export const daysUpTo = (until: string, count: number): ReadonlyArray<string> =>
  Array.from({ length: Math.max(0, count) }, (_, i) => addDays(until, i + 1 - count))

export interface CatchUpState {
  /** Days with a succeeded run. */
  readonly succeeded: ReadonlySet<string>
  /** The day of the first run recorded; undefined before it. */
  readonly firstRunDay: string | undefined
  /** Days before the first run that hold archived objects. */
  readonly archived: ReadonlySet<string>
}

/**
 * The days a catch-up should process, oldest first: of the `maxDays` days up to `until`, every day without
 * a succeeded run that pinflow was already running for (from the first run's day on) or whose archive
 * folder holds objects. A day that failed on several nights stays due however many later days succeed.
 * Before any run, `until` is due too (the first run).
 */
export const catchUpDays = (until: string, maxDays: number, state: CatchUpState): ReadonlyArray<string> =>
  daysUpTo(until, maxDays).filter(
    (day) =>
      !state.succeeded.has(day) &&
      ((state.firstRunDay === undefined ? day === until : day >= state.firstRunDay) || state.archived.has(day))
  )
