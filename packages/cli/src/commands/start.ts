/** `pinflow start [--demo] [--port P] [--host H]`: the whole pipeline in one process (`npm start`). */
import { ConfigProvider, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

const port = Flag.Int("port").pipe(
  Flag.withDescription("Port the edge listens on (default: PORT or 8000)"),
  Flag.optional
)
const host = Flag.String("host").pipe(
  Flag.withDescription("Address the edge listens on (default: HOST or 0.0.0.0)"),
  Flag.optional
)

const demo = Flag.Boolean("demo").pipe(
  Flag.withDescription("Also run the emulator against the edge, so events flow at once"),
  Flag.withDefault(false)
)
const demoRate = Flag.Int("demo-rate").pipe(
  Flag.withDescription("Events per second the demo posts (default 20)"),
  Flag.withDefault(20)
)

export const start = Command.make("start", { demo, demoRate, port, host }, (flags) => {
  // As in `pinflow ingest`: flags win over the environment.
  const overrides: Record<string, string> = {}
  if (Option.isSome(flags.port)) overrides.PORT = String(flags.port.value)
  if (Option.isSome(flags.host)) overrides.HOST = flags.host.value
  // imported when the command runs: `--help` and the other commands never load the whole pipeline
  return Effect.promise(() => import("@pinflow/start/StartProgram")).pipe(
    Effect.flatMap(({ runStart }) => runStart({ demo: flags.demo, demoRate: flags.demoRate })),
    Effect.asVoid,
    Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromUnknown(overrides), { asPrimary: true }))
  )
}).pipe(
  Command.withDescription(
    "Run the edge, the stream worker and the daily batch in one process. Uses Kafka, PostgreSQL and GCS when KAFKA_BROKERS, DATABASE_URL and GCS_BUCKET are set, and embedded defaults under ./.pinflow otherwise (an in-process log, PGlite, a local folder as the bucket). Env: PORT, HOST, INGEST_API_KEY, LOG_LEVEL, LOG_FORMAT (pretty|json), and those of ingest, stream and batch"
  ),
  Command.withExamples([
    { command: "pinflow start --demo", description: "Everything embedded, with generated traffic" },
    { command: "pinflow start --port 9000", description: "The edge on :9000 instead of :8000" },
    {
      command: 'eval "$(npm run -s services -- env)" && pinflow start',
      description: "The same program on Kafka, PostgreSQL and the GCS emulator"
    }
  ])
)
