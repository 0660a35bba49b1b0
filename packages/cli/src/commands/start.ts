/** `pinflow start [--demo]`: the whole pipeline in one process (`npm start`). */
import { runStart } from "@pinflow/start/main"
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

const demo = Flag.Boolean("demo").pipe(
  Flag.withDescription("Also run the emulator against the edge, so events flow at once"),
  Flag.withDefault(false)
)
const demoRate = Flag.Int("demo-rate").pipe(
  Flag.withDescription("Events per second the demo posts (default 20)"),
  Flag.withDefault(20)
)

export const start = Command.make("start", { demo, demoRate }, (flags) =>
  runStart({ demo: flags.demo, demoRate: flags.demoRate }).pipe(Effect.asVoid)
).pipe(
  Command.withDescription(
    "Run the edge, the stream worker and the daily batch in one process. Uses Kafka, PostgreSQL and GCS when KAFKA_BROKERS, DATABASE_URL and GCS_BUCKET are set, and embedded defaults under ./.pinflow otherwise (an in-process log, PGlite, a local folder as the bucket)"
  ),
  Command.withExamples([
    { command: "pinflow start --demo", description: "Everything embedded, with generated traffic" },
    {
      command: 'eval "$(npm run -s services -- env)" && pinflow start',
      description: "The same program on Kafka, PostgreSQL and the GCS emulator"
    }
  ])
)
