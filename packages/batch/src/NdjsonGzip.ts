/**
 * The archive's encoding: NDJSON compressed with gzip. Encoding runs on libuv's thread pool (so it
 * overlaps reading the next messages); decoding is a stream, so an object is never held in memory whole.
 */
import { promisify } from "node:util"
import * as zlib from "node:zlib"
import { NodeStream } from "@effect/platform-node"
import { Data, Effect, Stream } from "effect"

/** An archived object is not valid gzip (truncated or not ours). */
export class ArchiveDecodeError extends Data.TaggedError("ArchiveDecodeError")<{
  readonly key: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `${this.key}: cannot decompress (${this.cause instanceof Error ? this.cause.message : String(this.cause)})`
  }
}

const gzip = promisify(zlib.gzip)

/** Lines as gzip NDJSON (each line followed by "\n"). */
export const encodeNdjsonGzip = (lines: ReadonlyArray<string>, level: number): Effect.Effect<Uint8Array> =>
  Effect.promise(() => gzip(Buffer.from(lines.length === 0 ? "" : `${lines.join("\n")}\n`, "utf8"), { level })).pipe(
    Effect.map((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength))
  )

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
