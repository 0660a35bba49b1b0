/** `pinflow clean [--type T] [--file F] [--rejects R]`: raw NDJSON in, clean NDJSON out, rejects with reasons. */
import { type EventType, eventTypes, pinEvent } from "@pinflow/domain"
import { Effect, FileSystem, Option, Ref, Stdio, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { addChunk, cleanChunk, emptySummary, formatSummary } from "../CleanNdjson.ts"

const encoder = new TextEncoder()

const type = Flag.ChoiceWithValue(
  "type",
  eventTypes.map((t) => [t.name, t] as const)
).pipe(
  Flag.withAlias("t"),
  Flag.withDescription("The events' type (default pin)"),
  Flag.withDefault<EventType>(pinEvent)
)
const file = Flag.File("file", { mustExist: true }).pipe(
  Flag.withAlias("f"),
  Flag.withDescription("Raw NDJSON events to clean (default: standard input)"),
  Flag.optional
)
const rejects = Flag.String("rejects").pipe(
  Flag.withAlias("r"),
  Flag.withDescription("Write one reject per line to this file (default: standard error)"),
  Flag.optional
)

export const clean = Command.make("clean", { type, file, rejects }, (flags) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const stdio = yield* Stdio.Stdio
    const input = Option.match(flags.file, { onNone: () => stdio.stdin, onSome: (path) => fs.stream(path) })
    // Rejects go to a file opened once, or to standard error, a chunk at a time.
    const writeRejects = yield* Option.match(flags.rejects, {
      onNone: () =>
        Effect.succeed((text: string) => Stream.run(Stream.succeed(text), stdio.stderr({ endOnDone: false }))),
      onSome: (path) =>
        fs
          .open(path, { flag: "w" })
          .pipe(Effect.map((handle) => (text: string) => handle.writeAll(encoder.encode(text))))
    })
    const summary = yield* Ref.make(emptySummary)
    yield* input.pipe(
      Stream.decodeText,
      Stream.splitLines,
      Stream.mapArray((lines) => [cleanChunk(flags.type, lines)]),
      Stream.mapEffect((chunk) =>
        Effect.gen(function* () {
          yield* Ref.update(summary, (s) => addChunk(s, chunk))
          if (chunk.rejects.length > 0) yield* writeRejects(chunk.rejects)
          return chunk.clean
        })
      ),
      Stream.filter((text) => text.length > 0),
      Stream.run(stdio.stdout({ endOnDone: false }))
    )
    const line = formatSummary(yield* Ref.get(summary))
    yield* Stream.run(Stream.succeed(`${line}\n`), stdio.stderr({ endOnDone: false }))
  }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Clean raw events offline (pin, geo or user): NDJSON in (file or stdin), clean rows as NDJSON on stdout, one reject per line (reason, detail, unique_id or ind, raw) to --rejects or stderr, a summary on stderr"
  ),
  Command.withExamples([
    { command: "pinflow clean --file pins.ndjson > clean.ndjson", description: "Clean a file; rejects on stderr" },
    { command: "pinflow clean --type geo --file geo.ndjson > geo-clean.ndjson", description: "Clean geo events" },
    {
      command: "cat pins.ndjson | pinflow clean --rejects rejects.ndjson",
      description: "Clean standard input; rejects to a file"
    }
  ])
)
