import { gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { encodeNdjsonGzip, ndjsonLines } from "../src/NdjsonGzip.ts"

const chunked = (bytes: Uint8Array, size: number) =>
  Stream.fromIterable(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size))
  )

describe("gzip NDJSON", () => {
  it.effect("round-trips lines (unicode included) through gzip, whatever the chunking", () =>
    Effect.gen(function* () {
      const lines = Array.from({ length: 2000 }, (_, i) =>
        JSON.stringify({ i, title: `pin ${i} — ☕ ${"x".repeat(i % 50)}` })
      )
      const body = yield* encodeNdjsonGzip(lines, 6)
      assert.strictEqual(gunzipSync(body).toString("utf8"), `${lines.join("\n")}\n`)
      for (const size of [1, 7, 65536]) {
        const back = yield* Stream.runCollect(ndjsonLines("k", chunked(body, size), true))
        assert.deepStrictEqual(back, lines)
      }
    })
  )

  it.effect("reads plain NDJSON too and drops blank lines", () =>
    Effect.gen(function* () {
      const back = yield* Stream.runCollect(
        ndjsonLines("k", chunked(new TextEncoder().encode('{"a":1}\r\n\n{"b":2}'), 3), false)
      )
      assert.deepStrictEqual(back, ['{"a":1}', '{"b":2}'])
    })
  )

  it.effect("a corrupt object fails with ArchiveDecodeError naming the key", () =>
    Effect.gen(function* () {
      const error = yield* Stream.runCollect(
        ndjsonLines("raw/x.ndjson.gz", Stream.succeed(new Uint8Array([1, 2, 3])), true)
      ).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ArchiveDecodeError")
      assert.include(error.message, "raw/x.ndjson.gz")
    })
  )
})
