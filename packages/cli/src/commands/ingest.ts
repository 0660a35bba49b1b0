/** `pinflow ingest [--port P] [--host H]`: the HTTP edge in front of Kafka (see packages/ingest/README.md). */
import { ConfigProvider, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

const port = Flag.Int("port").pipe(Flag.withDescription("Port to listen on (default: PORT or 8000)"), Flag.optional)
const host = Flag.String("host").pipe(
  Flag.withDescription("Address to listen on (default: HOST or 0.0.0.0)"),
  Flag.optional
)

export const ingest = Command.make("ingest", { port, host }, (flags) => {
  // Flags win over the environment; everything else (KAFKA_BROKERS, PINS_TOPIC, …) comes from it.
  const overrides: Record<string, string> = {}
  if (Option.isSome(flags.port)) overrides.PORT = String(flags.port.value)
  if (Option.isSome(flags.host)) overrides.HOST = flags.host.value
  // imported when the command runs: `--help` and the other commands never load the edge
  return Effect.promise(() => import("@pinflow/ingest/IngestProgram")).pipe(
    Effect.flatMap(({ runIngest }) => runIngest),
    Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromUnknown(overrides), { asPrimary: true }))
  )
}).pipe(
  Command.withDescription(
    "Run the HTTP edge: POST /pin/ and /pins, /geo/ and /geos, /user/ and /users → Kafka topics `pins`, `geos`, `users` (200 only once acknowledged by all in-sync replicas), invalid events → `<topic>.rejected`; /healthz, /readyz, /metrics, /openapi.json, /docs. Env: PORT, HOST, KAFKA_BROKERS, PINS_TOPIC, GEOS_TOPIC, USERS_TOPIC, KAFKA_PARTITIONS, INGEST_API_KEY, INGEST_* limits, LOG_LEVEL, LOG_FORMAT (pretty|json)"
  ),
  Command.withExamples([
    { command: "pinflow ingest", description: "Listen on :8000, Kafka at KAFKA_BROKERS (default 127.0.0.1:9092)" },
    { command: "INGEST_API_KEY=secret pinflow ingest --port 9000", description: "Require a bearer key" }
  ])
)
