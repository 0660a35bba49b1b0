/**
 * `pinflow emulate`: like the original emulator, each step posts one source row's pin, geo and user events
 * to the edge (generated, or replayed from files), with live progress and a latency summary.
 */
import { type EventTypeName, eventTypes } from "@pinflow/domain"
import { type EmulatorOptions, parseDuration, parseRate, runEmulator } from "@pinflow/emulator"
import { Config, Effect, FileSystem, Option, Redacted } from "effect"
import { Command, Flag } from "effect/cli"

const url = Flag.String("url").pipe(
  Flag.withDescription("Edge base URL (default http://127.0.0.1:8000; events go to /pin/, /geo/, /user/)"),
  Flag.withDefault("http://127.0.0.1:8000")
)
const rate = Flag.String("rate").pipe(
  Flag.withDescription(
    "Steps per second, e.g. 200 or 200/s (default 100; 0 = as fast as possible). A step is one source row: one event of each type, so 3 requests with the default types"
  ),
  Flag.withDefault("100")
)
const concurrency = Flag.Int("concurrency").pipe(
  Flag.withDescription("Requests in flight at most (default 16)"),
  Flag.withDefault(16)
)
const count = Flag.Int("count").pipe(
  Flag.withDescription("Stop after this many steps (source rows; 3 requests each with the default types)"),
  Flag.optional
)
const duration = Flag.String("duration").pipe(
  Flag.withDescription("Stop after this long: 30s, 5m, 1h (default: until Ctrl-C, or the end of --file)"),
  Flag.optional
)
const file = Flag.File("file", { mustExist: true }).pipe(
  Flag.withDescription(
    "Replay the rows of this NDJSON file; repeat for pins, geo and users (each file's type is told from its rows; rows with the same index/ind are posted together). Default: generated rows"
  ),
  Flag.atLeast(0)
)
const types = Flag.String("types").pipe(
  Flag.withDescription("The types each generated step posts, comma-separated (default pin,geo,user)"),
  Flag.optional
)
const invalidRate = Flag.Finite("invalid-rate").pipe(
  Flag.withDescription("Share of generated rows broken structurally, 0..1 (default 0)"),
  Flag.withDefault(0)
)
const seed = Flag.Int("seed").pipe(Flag.withDescription("Seed of the generator, for a repeatable run"), Flag.optional)

class UsageError extends Error {}

const typeNames: ReadonlyArray<string> = eventTypes.map((t) => t.name)

/** "pin,geo" → the names, in order; undefined when one is not a registered type. */
const parseTypes = (text: string): ReadonlyArray<EventTypeName> | undefined => {
  const names = text.split(",").map((name) => name.trim())
  return names.length > 0 && names.every((name) => typeNames.includes(name))
    ? (names as ReadonlyArray<EventTypeName>)
    : undefined
}

export const emulate = Command.make(
  "emulate",
  { url, rate, concurrency, count, duration, file, types, invalidRate, seed },
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
      const parsedTypes = Option.map(flags.types, parseTypes)
      if (Option.isSome(parsedTypes) && parsedTypes.value === undefined)
        return yield* Effect.fail(
          new UsageError(`--types ${Option.getOrElse(flags.types, () => "")}: expected some of ${typeNames.join(",")}`)
        )
      const fs = yield* FileSystem.FileSystem
      const files = yield* Effect.forEach(flags.file, (name) =>
        Effect.map(fs.readFileString(name), (text) => ({ name, lines: text.split("\n") }))
      )
      const apiKey = yield* Config.option(Config.Redacted("INGEST_API_KEY"))
      const options: EmulatorOptions = {
        url: flags.url,
        rate: Option.fromNullishOr(parsedRate),
        concurrency: flags.concurrency,
        count: flags.count,
        duration: Option.flatMap(parsedDuration, Option.fromNullishOr),
        files,
        ...(Option.isSome(parsedTypes) && parsedTypes.value !== undefined ? { types: parsedTypes.value } : {}),
        invalidRate: flags.invalidRate,
        apiKey: Option.map(apiKey, Redacted.value),
        seed: flags.seed
      }
      yield* runEmulator(options)
    })
).pipe(
  Command.withDescription(
    "Post events to the ingest edge like the original emulator: each step takes one source row and posts its pin, geo and user events (index = ind), one per request, to /pin/, /geo/ and /user/ — generated (realistic values, dirty ones at the source's rates, repeated rows) or replayed from NDJSON files — with one progress line per second on stderr and a summary (sent per type, status codes, latency p50/p95/p99). Sends INGEST_API_KEY as a bearer key when set"
  ),
  Command.withExamples([
    {
      command: "pinflow emulate --rate 200 --duration 30s",
      description: "200 rows/s (a pin, a geo and a user event each) for 30 seconds"
    },
    {
      command: "pinflow emulate --file pins.ndjson --file geo.ndjson --file users.ndjson --rate 0",
      description: "Replay the three sample files once, each row's pin, geo and user together, as fast as possible"
    },
    { command: "pinflow emulate --types pin --count 1000", description: "1,000 generated pins only" }
  ])
)
