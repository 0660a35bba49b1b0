/**
 * The archive's encoding: NDJSON compressed with gzip. Encoding runs on libuv's thread pool (so it
 * overlaps reading the next messages); decoding is a stream, so an object is never held in memory whole.
 */
import * as zlib from "node:zlib"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Data, Effect, Stream } from "effect"
import type { PartSink } from "./PartBuilder.ts"

/** An archived object is not valid gzip (truncated or not ours). */
export class ArchiveDecodeError extends Data.TaggedError("ArchiveDecodeError")<{
  readonly key: string
  readonly cause: unknown
}> {
  override get message(): string {
    const message = (this.cause as { message?: unknown } | null)?.message
    return `${this.key}: cannot decompress (${typeof message === "string" ? message : "unknown cause"})`
  }
}

/** Lines are handed to zlib in slices of about this many characters (fewer, larger thread-pool jobs). */
const sliceChars = 256 * 1024
/**
 * Text a gzip stream may hold before `settled` makes the archive wait for it: zlib compresses on the
 * thread pool, slower than Kafka delivers, and without a bound each open part queued its whole
 * uncompressed text (16 MiB per partition).
 */
const backlogBytes = 1024 * 1024

/**
 * A part sink that compresses as lines arrive: the part's text is never held whole, only its compressed
 * bytes. `close` ends the stream; its effect yields the gzip NDJSON once zlib has finished.
 */
export const gzipSink = (level: number): PartSink<Effect.Effect<Uint8Array>> => {
  const stream = zlib.createGzip({ level })
  const output: Array<Buffer> = []
  stream.on("data", (chunk: Buffer) => void output.push(chunk))
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve)
    stream.on("error", reject)
  })
  ended.catch(() => undefined)
  let pending: Array<string> = []
  let pendingChars = 0
  const write = () => {
    if (pending.length === 0) return
    pending.push("")
    stream.write(pending.join("\n"))
    pending = []
    pendingChars = 0
  }
  return {
    add: (line) => {
      pending.push(line)
      pendingChars += line.length + 1
      if (pendingChars >= sliceChars) write()
    },
    settled: () =>
      stream.writableLength <= backlogBytes
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            // an error ends the wait too: `close` reports it
            const done = () => {
              stream.off("drain", done)
              stream.off("error", done)
              resolve()
            }
            stream.on("drain", done)
            stream.on("error", done)
          }),
    close: () => {
      write()
      stream.end()
      // zlib failing on a string it was given is a bug, not a condition to handle: a defect
      return Effect.promise(() => ended).pipe(
        Effect.map(() => {
          const buffer = Buffer.concat(output)
          return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
        })
      )
    }
  }
}

/** The lines of a byte stream, gunzipped when `gzipped`; empty lines are dropped. */
export const ndjsonLines = <E, R>(
  key: string,
  bytes: Stream.Stream<Uint8Array, E, R>,
  gzipped: boolean
): Stream.Stream<string, E | ArchiveDecodeError, R> =>
  (gzipped
    ? bytes.pipe(
        NodeStream.pipeThroughDuplex({
          evaluate: () => zlib.createGunzip(),
          onError: (cause) => new ArchiveDecodeError({ key, cause })
        })
      )
    : bytes
  ).pipe(
    Stream.decodeText,
    Stream.splitLines,
    Stream.filter((line) => line.length > 0)
  )
