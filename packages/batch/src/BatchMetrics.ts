/** The batch program's Prometheus metrics (served by `batch schedule` on `/metrics`). */
import { Metric } from "effect"

export const batchRuns = Metric.counter("pinflow_batch_runs_total", {
  description: "Batch runs by outcome (status=succeeded|failed)",
  incremental: true
})

export const eventsArchived = Metric.counter("pinflow_batch_events_archived_total", {
  description: "Messages copied from each type's topic to the archive (event_type=pin|geo|user)",
  incremental: true
})

export const batchRejects = Metric.counter("pinflow_batch_rejects_total", {
  description: "Events the batch program rejected (unreadable messages and events that failed cleaning)",
  incremental: true
})

export const reconciliationGap = Metric.gauge("pinflow_batch_reconciliation_gap", {
  description:
    "Last run: distinct pins archived for the day minus rows the stream worker landed in pins (0 = none lost)"
})

export const lastSuccess = Metric.gauge("pinflow_batch_last_success_timestamp_seconds", {
  description: "When the last batch run succeeded (Unix seconds)"
})
