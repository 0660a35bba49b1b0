/** `pinflow batch run [--date D] [--catch-up]` and `pinflow batch schedule [--catch-up]` (see packages/batch/README.md). */
import { Data, DateTime, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

// Checked by the command, not by a Flag filter: a filter's message is printed under the whole help text.
const date = Flag.String("date").pipe(
  Flag.withDescription("The UTC day to archive and process, YYYY-MM-DD, today or earlier (default: yesterday, UTC)"),
  Flag.optional
)

/** `--date` is not a real calendar day, or lies in the future. */
export class InvalidRunDate extends Data.TaggedError("InvalidRunDate")<{ readonly message: string }> {}

/** `--date`'s value as a day, strictly: a real calendar day as YYYY-MM-DD, not after `today`. */
export const parseRunDate = (raw: string, today: string): Effect.Effect<string, InvalidRunDate> => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw)
  const [year = Number.NaN, month = 0, day = 0] = match === null ? [] : match.slice(1).map(Number)
  const date = new Date(Date.UTC(year, month - 1, day))
  // Date.UTC rolls 2026-02-30 over to March (and years 0-99 to 19xx): only a day that survives the round trip is real.
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  if (!real)
    return Effect.fail(
      new InvalidRunDate({
        message: `--date ${JSON.stringify(raw)} is not a calendar day: expected YYYY-MM-DD, e.g. --date ${today}`
      })
    )
  if (raw > today)
    return Effect.fail(
      new InvalidRunDate({
        message: `--date ${raw} is in the future (today is ${today}, UTC): a day can be run from that day on`
      })
    )
  return Effect.succeed(raw)
}

// imported when a subcommand runs: `--help` and the other commands never load the batch (nor the GCS client)
const loadRunner = Effect.promise(() => import("@pinflow/batch/BatchRunner"))
const loadSchedule = Effect.promise(() => import("@pinflow/batch/BatchScheduleProgram"))

const catchUp = Flag.Boolean("catch-up").pipe(
  Flag.withDescription(
    "Also run every day without a succeeded run among the last BATCH_CATCH_UP_MAX_DAYS, oldest first"
  ),
  Flag.withDefault(false)
)

const env =
  "Env: KAFKA_BROKERS, PINS_TOPIC, DATABASE_URL, GCS_BUCKET (the archive bucket on GCS; unset: the local folder ./.pinflow/bucket), GCS_ENDPOINT (a GCS emulator's URL), BATCH_* settings, LOG_LEVEL, LOG_FORMAT (pretty|json)"

const run = Command.make("run", { date, catchUp }, (flags) =>
  Effect.gen(function* () {
    const today = DateTime.formatIsoDate(yield* DateTime.now)
    const day = Option.isSome(flags.date) ? yield* parseRunDate(flags.date.value, today) : undefined
    const { runBatch } = yield* loadRunner
    yield* runBatch({ ...(day === undefined ? {} : { date: day }), catchUp: flags.catchUp })
  })
).pipe(
  Command.withDescription(
    `Run the batch once: archive the pins topic (gzip NDJSON parts under raw/pins/dt=D/), read day D back, clean, aggregate into daily_category_stats and daily_tag_counts, apply retention; recorded in batch_runs, ends with a summary line. ${env}`
  ),
  Command.withExamples([
    { command: "pinflow batch run", description: "Yesterday (UTC)" },
    { command: "pinflow batch run --date $(date -u +%F)", description: "Today so far (UTC)" },
    { command: "pinflow batch run --date 2026-11-26", description: "Backfill or re-run one day (idempotent)" },
    { command: "pinflow batch run --catch-up", description: "Every recent day without a succeeded run" }
  ])
)

const schedule = Command.make("schedule", { catchUp }, (flags) =>
  loadSchedule.pipe(Effect.flatMap(({ runSchedule }) => runSchedule({ catchUp: flags.catchUp })))
).pipe(
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
