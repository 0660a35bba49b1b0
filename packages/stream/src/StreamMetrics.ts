/** The stream worker's Prometheus metrics (design.md "Metrics"), served by `MetricsServer` on `/metrics`. */
import { Metric } from "effect"

export const eventsConsumed = Metric.counter("pinflow_events_consumed_total", {
  description: "Kafka records read by the stream worker and stored (as a pin or a reject)"
})
export const pinsWritten = Metric.counter("pinflow_pins_written_total", {
  description: "Pin rows inserted or updated in Postgres"
})
/** By `event_type` (`pin`, `geo`, `user`): every type's rows, pins included. */
export const eventRowsWritten = Metric.counter("pinflow_event_rows_written_total", {
  description: "Rows of each event type (event_type: pin, geo, user) inserted or updated in Postgres"
})
/** By `event_type`: the type of the refused event. */
export const rejectsWritten = Metric.counter("pinflow_rejects_written_total", {
  description: "Reject rows inserted in Postgres by event type (replays excluded)"
})
export const writeRetries = Metric.counter("pinflow_stream_write_retries_total", {
  description: "Batch writes retried because Postgres was unavailable or failing"
})
export const batchSize = Metric.histogram("pinflow_stream_batch_size", {
  description: "Records per written batch",
  boundaries: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000]
})
export const writeLatency = Metric.histogram("pinflow_stream_write_seconds", {
  description: "Time to write one batch to Postgres, retries included",
  boundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
})
/** Records behind the end of each partition, read from the broker on a timer (`STREAM_LAG_INTERVAL`). */
export const consumerLag = Metric.gauge("pinflow_consumer_lag", {
  description: "Records between the group's committed offset and the partition's high watermark, per the broker"
})
/** Grows while nothing is committed: with a lag above 0, a stalled worker. */
export const lastCommitAge = Metric.gauge("pinflow_last_commit_age_seconds", {
  description: "Seconds since this worker last committed offsets (since its start before the first commit)"
})
