/** The `pinflow` command: one entry point for every program of the pipeline. */
import { Command } from "effect/cli"
import { batch } from "./commands/batch.ts"
import { clean } from "./commands/clean.ts"
import { dashboard } from "./commands/dashboard.ts"
import { emulate } from "./commands/emulate.ts"
import { ingest } from "./commands/ingest.ts"
import { insights } from "./commands/insights.ts"
import { migrate } from "./commands/migrate.ts"
import { sql } from "./commands/sql.ts"
import { start } from "./commands/start.ts"
import { stream } from "./commands/stream.ts"

export const pinflow = Command.make("pinflow").pipe(
  Command.withDescription(
    "pinflow: pin events from an HTTP edge into Kafka, then streamed into Postgres and archived to GCS for daily analytics. Every program logs at LOG_LEVEL (default Info) in LOG_FORMAT: pretty or json (default: pretty on a terminal, JSON otherwise; a failure is one line, its stack only at LOG_LEVEL=Debug)"
  ),
  Command.withSubcommands([start, clean, ingest, emulate, batch, stream, migrate, dashboard, sql, insights])
)
