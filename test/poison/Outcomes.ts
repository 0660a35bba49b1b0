/** What each poison element became in a database, beside what design.md says it must become. */
import { elementMarker, type Outcome } from "./PoisonCorpus.ts"

/** Parameterised SQL ($1, $2, …) on a PostgreSQL client or an embedded PGlite. */
export type Query = <R>(text: string, params: ReadonlyArray<unknown>) => Promise<Array<R>>

export const outcomesIn = async (
  query: Query,
  marker: string,
  outcomes: ReadonlyArray<Outcome>
): Promise<{ readonly expected: ReadonlyArray<unknown>; readonly actual: ReadonlyArray<unknown> }> => {
  const expected: Array<unknown> = []
  const actual: Array<unknown> = []
  for (const [i, outcome] of outcomes.entries()) {
    const m = elementMarker(marker, i)
    const pins = await query<Record<string, unknown>>(
      `select follower_count::text as follower_count, tags from pins
       where strpos(title, $1) > 0 or strpos(unique_id, $1) > 0`,
      [m]
    )
    const rejects = await query<{ reason: string; source: string }>(
      `select reason, source from pin_rejects
       where strpos(raw, $1) > 0 or strpos(coalesce(unique_id, ''), $1) > 0 or strpos(detail, $1) > 0
       order by id`,
      [m]
    )
    const keys = "pin" in outcome ? Object.keys(outcome.pin) : []
    const pick = (row: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, row[k]]))
    expected.push(
      "pin" in outcome
        ? { element: m, pins: [outcome.pin], rejects: [] }
        : { element: m, pins: [], rejects: [outcome.reject] }
    )
    actual.push({
      element: m,
      pins: pins.map(pick),
      rejects: rejects.map((r) => ({ reason: r.reason, source: r.source }))
    })
  }
  return { expected, actual }
}
