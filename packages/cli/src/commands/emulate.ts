/** `pinflow emulate`: realistic pin events posted to the edge, with live progress and a latency summary. */
import { type EmulatorOptions, parseDuration, parseRate, runEmulator } from "@pinflow/emulator"
import { Config, Effect, FileSystem, Option, Redacted } from "effect"
import { Command, Flag } from "effect/cli"

const url = Flag.String("url").pipe(
  Flag.withDescription("Edge base URL or endpoint (default http://127.0.0.1:8000 → /pin/)"),
  Flag.withDefault("http://127.0.0.1:8000")
)
const rate = Flag.String("rate").pipe(
  Flag.withDescription("Events per second, e.g. 200 or 200/s (default 100; 0 = as fast as possible)"),
  Flag.withDefault("100")
)
const concurrency = Flag.Int("concurrency").pipe(
  Flag.withDescription("Requests in flight at most (default 16)"),
  Flag.withDefault(16)
)
const count = Flag.Int("count").pipe(Flag.withDescription("Stop after this many events"), Flag.optional)
const duration = Flag.String("duration").pipe(
  Flag.withDescription("Stop after this long: 30s, 5m, 1h (default: until Ctrl-C, or the end of --file)"),
  Flag.optional
)
const file = Flag.File("file", { mustExist: true }).pipe(
  Flag.withDescription("Replay these NDJSON rows (default: generated realistic rows)"),
  Flag.optional
)
const invalidRate = Flag.Finite("invalid-rate").pipe(
  Flag.withDescription("Share of generated rows broken structurally, 0..1 (default 0)"),
  Flag.withDefault(0)
)
const seed = Flag.Int("seed").pipe(Flag.withDescription("Seed of the generator, for a repeatable run"), Flag.optional)

class UsageError extends Error {}

export const emulate = Command.make(
  "emulate",
  { url, rate, concurrency, count, duration, file, invalidRate, seed },
  (flags) =>
    Effect.gen(function* () {
      const parsedRate = flags.rate.trim() === "0" ? undefined : parseRate(flags.rate)
      if (flags.rate.trim() !== "0" && parsedRate === undefined)
        return yield* Effect.fail(new UsageError(`--rate ${flags.rate}: expected events per second, e.g. 200`))
      const parsedDuration = Option.map(flags.duration, parseDuration)
      if (Option.isSome(parsedDuration) && parsedDuration.value === undefined)
        return yield* Effect.fail(
          new UsageError(`--duration ${Option.getOrElse(flags.duration, () => "")}: expected e.g. 30s, 5m, 1h`)
        )
      if (flags.concurrency < 1) return yield* Effect.fail(new UsageError("--concurrency must be at least 1"))
      const fs = yield* FileSystem.FileSystem
      const lines = Option.isSome(flags.file)
        ? Option.some((yield* fs.readFileString(flags.file.value)).split("\n"))
        : Option.none()
      const apiKey = yield* Config.option(Config.Redacted("INGEST_API_KEY"))
      const options: EmulatorOptions = {
        url: flags.url,
        rate: Option.fromNullishOr(parsedRate),
        concurrency: flags.concurrency,
        count: flags.count,
        duration: Option.flatMap(parsedDuration, Option.fromNullishOr),
        lines,
        invalidRate: flags.invalidRate,
        apiKey: Option.map(apiKey, Redacted.value),
        seed: flags.seed
      }
      yield* runEmulator(options)
    })
).pipe(
  Command.withDescription(
    "Post pin events to the ingest edge one per request — generated (realistic values, dirty ones at the source's rates, repeated unique_ids) or replayed from an NDJSON file — with one progress line per second on stderr and a summary (sent, status codes, latency p50/p95/p99). Sends INGEST_API_KEY as a bearer key when set"
  ),
  Command.withExamples([
    { command: "pinflow emulate --rate 200 --duration 30s", description: "200 events/s for 30 seconds" },
    { command: "pinflow emulate --file pins.ndjson --rate 0", description: "Replay a file as fast as possible" }
  ])
)
