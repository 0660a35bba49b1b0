/** `pinflow batch run [--date D] [--catch-up]` and `pinflow batch schedule [--catch-up]` (see packages/batch/README.md). */
import { isDay } from "@pinflow/batch/ArchiveLayout"
import { runBatch, runSchedule } from "@pinflow/batch/main"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

const date = Flag.String("date").pipe(
  Flag.withDescription("The UTC day to archive and process, YYYY-MM-DD (default: yesterday, UTC)"),
  Flag.filter(isDay, (d) => `--date: expected a calendar day as YYYY-MM-DD, got ${JSON.stringify(d)}`),
  Flag.optional
)
const catchUp = Flag.Boolean("catch-up").pipe(
  Flag.withDescription(
    "Also run every day without a succeeded run among the last BATCH_CATCH_UP_MAX_DAYS, oldest first"
  ),
  Flag.withDefault(false)
)

const env =
  "Env: KAFKA_BROKERS, PINS_TOPIC, DATABASE_URL, GCS_BUCKET, GCS_ENDPOINT (unset: ./.pinflow/bucket), BATCH_* settings, LOG_LEVEL"

const run = Command.make("run", { date, catchUp }, (flags) =>
  runBatch({
    ...Option.match(flags.date, { onNone: () => ({}), onSome: (d) => ({ date: d }) }),
    catchUp: flags.catchUp
  }).pipe(Effect.asVoid)
).pipe(
  Command.withDescription(
    `Run the batch once: archive the pins topic (gzip NDJSON parts under raw/pins/dt=D/), read day D back, clean, aggregate into daily_category_stats and daily_tag_counts, apply retention; recorded in batch_runs, ends with a summary line. ${env}`
  ),
  Command.withExamples([
    { command: "pinflow batch run", description: "Yesterday (UTC)" },
    { command: "pinflow batch run --date 2026-11-26", description: "Backfill or re-run one day (idempotent)" },
    { command: "pinflow batch run --catch-up", description: "Every recent day without a succeeded run" }
  ])
)

const schedule = Command.make("schedule", { catchUp }, (flags) => runSchedule({ catchUp: flags.catchUp })).pipe(
  Command.withDescription(
    `Run the batch on BATCH_CRON (default "0 0 * * *", UTC) for the day that ended, with retries (BATCH_RETRIES, exponential from BATCH_RETRY_DELAY) and catch-up of missed days; serves /healthz and /metrics on METRICS_PORT (default 9465). ${env}`
  ),
  Command.withExamples([
    { command: "pinflow batch schedule", description: "Every day at 00:00 UTC" },
    {
      command: 'BATCH_CRON="30 1 * * *" pinflow batch schedule --catch-up',
      description: "01:30 UTC, missed days first"
    }
  ])
)

export const batch = Command.make("batch").pipe(
  Command.withDescription(
    "The batch program: Kafka -> GCS archive -> read back -> clean -> daily analytics in Postgres"
  ),
  Command.withSubcommands([run, schedule])
)
