import { gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ArchiveDecodeError, gzipSink, ndjsonLines } from "../src/NdjsonGzip.ts"

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
      const sink = gzipSink(6)
      for (const line of lines) sink.add(line)
      const body = yield* sink.close()
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

describe("gzipSink", () => {
  it.effect("compresses lines as they come into one gzip NDJSON object", () =>
    Effect.gen(function* () {
      const sink = gzipSink(6)
      const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ i, text: "é☕".repeat(i % 20) }))
      for (const line of lines) sink.add(line)
      const body = yield* sink.close()
      assert.strictEqual(gunzipSync(body).toString("utf8"), `${lines.join("\n")}\n`)
      const empty = gzipSink(1)
      assert.strictEqual(gunzipSync(yield* empty.close()).toString("utf8"), "")
    })
  )
})

describe("gzipSink settled", () => {
  it.live("resolves once zlib caught up with megabytes added at once, and the object holds every line", () =>
    Effect.gen(function* () {
      const sink = gzipSink(6)
      // ~2 MB of barely compressible text, added without waiting: more than the sink may hold
      const lines = Array.from({ length: 4096 }, (_, i) =>
        Array.from({ length: 64 }, (_, k) => ((i * 2_654_435_761 + k * 40_503) >>> 0).toString(36)).join(" ")
      )
      for (const line of lines) sink.add(line)
      let caughtUp = false
      const settled = (sink.settled?.() ?? Promise.reject(new Error("gzipSink has no settled"))).then(() => {
        caughtUp = true
      })
      // zlib answers on the thread pool, never within this turn: ~2 MB are still queued, so no settling yet
      yield* Effect.promise(() => Promise.resolve())
      assert.isFalse(caughtUp)
      yield* Effect.promise(() => settled)
      // settled again at once when nothing is queued
      yield* Effect.promise(() => sink.settled?.() ?? Promise.resolve())
      const body = yield* sink.close()
      assert.deepStrictEqual(gunzipSync(body).toString("utf8").split("\n"), [...lines, ""])
    })
  )
})

describe("ArchiveDecodeError", () => {
  it("prints any cause, even one without a prototype", () => {
    const error = (cause: unknown) => new ArchiveDecodeError({ key: "k", cause }).message
    assert.deepStrictEqual(
      [error(new Error("unexpected end of file")), error(Object.create(null))],
      ["k: cannot decompress (unexpected end of file)", "k: cannot decompress (unknown cause)"]
    )
  })
})
