/** UTC calendar days as `YYYY-MM-DD` strings: the unit of a batch run. */
import { DateTime, Effect } from "effect"

/** The day `n` days after `day` (negative: before). */
export const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** Today in UTC, from the Effect clock (so tests control it). */
export const today: Effect.Effect<string> = Effect.map(DateTime.now, (now) => DateTime.formatIsoDate(now))

/** Yesterday in UTC: the day a run at 00:00 UTC processes. */
export const yesterday: Effect.Effect<string> = Effect.map(today, (d) => addDays(d, -1))

/**
 * The days a catch-up should process, oldest first: those after the last succeeded day up to `until`,
 * at most `maxDays` (the most recent ones); just `until` when nothing ever succeeded.
 */
export const catchUpDays = (
  lastSucceeded: string | undefined,
  until: string,
  maxDays: number
): ReadonlyArray<string> => {
  if (lastSucceeded === undefined) return [until]
  const days: Array<string> = []
  for (let d = until; d > lastSucceeded && days.length < maxDays; d = addDays(d, -1)) days.push(d)
  return days.reverse()
}
