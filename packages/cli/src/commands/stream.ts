/** `pinflow stream`: the worker from Kafka into Postgres (see packages/stream/README.md). */
import { ConfigProvider, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

const metricsPort = Flag.Int("metrics-port").pipe(
  Flag.withDescription("Port of /healthz and /metrics (default: METRICS_PORT or 9464)"),
  Flag.optional
)

export const stream = Command.make("stream", { metricsPort }, (flags) => {
  const overrides: Record<string, string> = {}
  if (Option.isSome(flags.metricsPort)) overrides.METRICS_PORT = String(flags.metricsPort.value)
  // imported when the command runs: `--help` and the other commands never load the worker
  return Effect.promise(() => import("@pinflow/stream/StreamProgram")).pipe(
    Effect.flatMap(({ runStream }) => runStream),
    Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromUnknown(overrides), { asPrimary: true }))
  )
}).pipe(
  Command.withDescription(
    "Run the stream worker: consumer group `pinflow-stream` on `pins`, `geos`, `users` and their `.rejected` topics → clean → batched idempotent upserts into Postgres `pins` / `geo_events` / `users` / `pin_rejects` (with event_type), offsets committed after each write; runs migrations first. Start several to share the partitions. Env: KAFKA_BROKERS, DATABASE_URL, PINS_TOPIC, GEOS_TOPIC, USERS_TOPIC, STREAM_BATCH_SIZE, STREAM_BATCH_WINDOW, STREAM_WRITE_CONCURRENCY, METRICS_PORT, LOG_LEVEL, LOG_FORMAT (pretty|json)"
  ),
  Command.withExamples([
    { command: "pinflow stream", description: "Kafka at KAFKA_BROKERS, Postgres at DATABASE_URL, metrics on :9464" },
    {
      command: "STREAM_BATCH_SIZE=5000 pinflow stream --metrics-port 9474",
      description: "Bigger batches; a second worker on the same host"
    }
  ])
)
