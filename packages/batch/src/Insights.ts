/**
 * The batch run's last step over the database: the `insight_*` tables, refreshed from the `pins`,
 * `geo_events` and `users` rows the stream worker landed (all of them, not only the run's day), in one
 * transaction (rules in the adapters' `AnalyticsStore/Insights.ts`).
 */
import { AnalyticsStore } from "@pinflow/adapters"
import { Effect } from "effect"

export const refreshInsights = Effect.fn("Batch.refreshInsights")(function* () {
  const analytics = yield* AnalyticsStore
  const written = yield* analytics.refreshInsights
  yield* Effect.logInfo("insights refreshed").pipe(Effect.annotateLogs(written))
  return written
})
