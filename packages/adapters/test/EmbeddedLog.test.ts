import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { type Disk, nodeDisk } from "../src/EmbeddedLog/Disk.ts"
import { EmbeddedLogLocked, type EmbeddedLogOptions, makeEmbeddedLog } from "../src/EmbeddedLog.ts"

const freshDir = () => join(fs.mkdtempSync(join(tmpdir(), "pinflow-log-")), "log")

/** Opens the log, runs `use`, closes it (a clean shutdown). */
const withLog = <A, E>(
  dir: string,
  use: (log: Effect.Success<ReturnType<typeof makeEmbeddedLog>>) => Effect.Effect<A, E>,
  options: EmbeddedLogOptions = {}
) => Effect.scoped(Effect.flatMap(makeEmbeddedLog(dir, options), use))

const segmentFiles = (dir: string, topic: string, partition: number) =>
  fs.readdirSync(join(dir, "topics", topic, String(partition))).sort()

v8.setFlagsFromString("--expose-gc")
const collectGarbage = vm.runInNewContext("gc") as () => void
/**
 * JS heap and ArrayBuffer bytes in use after full collections; the event loop turns between them let
 * V8 release the freed buffers' memory, which it does after the collection itself.
 */
const liveBytes = Effect.gen(function* () {
  for (let i = 0; i < 3; i++) {
    collectGarbage()
    yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
  }
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
})

const values = (records: ReadonlyArray<{ readonly value: string }>) => records.map((r) => r.value)

describe("EmbeddedLog", () => {
  it.effect("reads back after a reopen exactly what was appended, and continues its offsets", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      yield* TestClock.setTime(5)
      const first = yield* withLog(dir, (log) =>
        Effect.gen(function* () {
          yield* log.createTopic("pins", 2)
          const appended = yield* log.append("pins", [
            { key: "a", value: '{"n":1}' },
            { key: null, value: "ünïcode ✓" },
            { key: "a", value: "" }
          ])
          yield* log.commit("g", "pins", appended[0]?.partition ?? -1, (appended[0]?.offset ?? 0) + 1)
          return appended
        })
      )
      const a = first[0]?.partition ?? -1
      assert.deepStrictEqual(
        first.map((x) => x.offset - 5000),
        a === first[1]?.partition ? [0, 1, 2] : [0, 0, 1]
      )
      yield* TestClock.setTime(9)
      yield* withLog(dir, (log) =>
        Effect.gen(function* () {
          assert.strictEqual(log.startOffset, 5000)
          assert.strictEqual(yield* log.partitions("pins"), 2)
          const records = yield* log.read("pins", a, 0, 10)
          assert.deepStrictEqual(
            records.filter((r) => r.key === "a").map((r) => [r.offset, r.value, r.timestamp]),
            [
              [first[0]?.offset, '{"n":1}', 5],
              [first[2]?.offset, "", 5]
            ]
          )
          const other = first[1] as { partition: number; offset: number }
          const keyless = (yield* log.read("pins", other.partition, other.offset, 1))[0]
          assert.deepStrictEqual([keyless?.key, keyless?.value], [null, "ünïcode ✓"])
          assert.strictEqual(yield* log.committed("g", "pins", a), (first[0]?.offset ?? 0) + 1)
          const end = yield* log.endOffset("pins", a)
          const next = yield* log.append("pins", [{ key: "a", value: "later" }])
          assert.deepStrictEqual(next, [{ partition: a, offset: end }])
        })
      )
    })
  )

  it.effect("cuts a torn last record off on open; the next append takes its offset", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      yield* withLog(dir, (log) =>
        log.append(
          "t",
          ["one", "two", "three"].map((value) => ({ key: null, value }))
        )
      )
      const [segment] = segmentFiles(dir, "t", 0)
      const path = join(dir, "topics", "t", "0", segment ?? "")
      const whole = fs.statSync(path).size
      // a crash in the middle of writing the third record
      fs.truncateSync(path, whole - 3)
      const appended = yield* withLog(dir, (log) =>
        Effect.gen(function* () {
          assert.deepStrictEqual(values(yield* log.read("t", 0, 0, 10)), ["one", "two"])
          assert.strictEqual(yield* log.endOffset("t", 0), 2)
          // two records of 8 header + 12 fixed + 3 value bytes: the torn bytes are gone from the file
          assert.strictEqual(fs.statSync(path).size, 46)
          return yield* log.append("t", [{ key: null, value: "four" }])
        })
      )
      assert.deepStrictEqual(appended, [{ partition: 0, offset: 2 }])
      // a flipped byte in a record is torn too
      const bytes = fs.readFileSync(path)
      bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff
      fs.writeFileSync(path, bytes)
      yield* withLog(dir, (log) =>
        Effect.gen(function* () {
          assert.deepStrictEqual(values(yield* log.read("t", 0, 0, 10)), ["one", "two"])
        })
      )
    })
  )

  it.effect("deletes segments only once every group has committed past them; offsets survive the trim", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const options: EmbeddedLogOptions = { segmentBytes: 200, retainFor: () => ["stream", "archive"] }
      const payload = "x".repeat(100)
      yield* withLog(
        dir,
        (log) =>
          Effect.gen(function* () {
            for (let i = 0; i < 10; i++) yield* log.append("t", [{ key: null, value: `${i}${payload}` }])
            assert.strictEqual(segmentFiles(dir, "t", 0).length, 5)
            yield* log.commit("stream", "t", 0, 10)
            yield* log.append("other", [{ key: null, value: "wakes the flusher" }])
            yield* log.commit("archive", "t", 0, 3)
            yield* log.append("other", [{ key: null, value: "wakes the flusher" }])
          }),
        options
      )
      // the archive group holds the log back: segments [0,1] go, [2,3] holds offset 3
      assert.deepStrictEqual(
        segmentFiles(dir, "t", 0),
        [2, 4, 6, 8].map((b) => `${String(b).padStart(20, "0")}.log`)
      )
      yield* withLog(
        dir,
        (log) =>
          Effect.gen(function* () {
            assert.deepStrictEqual(values(yield* log.read("t", 0, 0, 1)), [`2${payload}`])
            // one read stays within one segment; the next read goes on from there
            assert.deepStrictEqual(values(yield* log.read("t", 0, 3, 10)), [`3${payload}`])
            assert.deepStrictEqual(values(yield* log.read("t", 0, 4, 10)), [`4${payload}`, `5${payload}`])
            assert.strictEqual(yield* log.committed("archive", "t", 0), 3)
            yield* log.commit("archive", "t", 0, 10)
          }),
        options
      )
      assert.deepStrictEqual(segmentFiles(dir, "t", 0), [`${"10".padStart(20, "0")}.log`])
      assert.strictEqual(fs.statSync(join(dir, "topics", "t", "0", `${"10".padStart(20, "0")}.log`)).size, 0)
      const next = yield* withLog(dir, (log) => log.append("t", [{ key: null, value: "after" }]), options)
      assert.deepStrictEqual(next, [{ partition: 0, offset: 10 }])
    })
  )

  it.effect("appends that arrive during a sync share the next one, and readers see only synced records", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      let syncs = 0
      let writes = 0
      const firstSyncEntered = Deferred.makeUnsafe<void>()
      const release = Deferred.makeUnsafe<void>()
      const allWritten = Deferred.makeUnsafe<void>()
      const disk: Disk = {
        ...nodeDisk,
        write: (fd, data, position) => {
          nodeDisk.write(fd, data, position)
          if (++writes === 50) Deferred.doneUnsafe(allWritten, Effect.void)
        },
        datasync: (fd) =>
          Effect.gen(function* () {
            syncs++
            if (syncs === 1) {
              Deferred.doneUnsafe(firstSyncEntered, Effect.void)
              yield* Deferred.await(release)
            }
            yield* nodeDisk.datasync(fd)
          })
      }
      yield* withLog(
        dir,
        (log) =>
          Effect.gen(function* () {
            const first = yield* Effect.forkChild(log.append("t", [{ key: null, value: "0" }]))
            yield* Deferred.await(firstSyncEntered)
            const rest = yield* Effect.forkChild(
              Effect.forEach(
                Array.from({ length: 49 }, (_, i) => i + 1),
                (i) => log.append("t", [{ key: null, value: String(i) }]),
                { concurrency: "unbounded" }
              )
            )
            yield* Deferred.await(allWritten)
            // written, not synced: invisible
            assert.strictEqual(yield* log.endOffset("t", 0), 0)
            assert.deepStrictEqual(yield* log.read("t", 0, 0, 100), [])
            yield* Deferred.succeed(release, undefined)
            yield* Fiber.join(first)
            const offsets = (yield* Fiber.join(rest)).map((a) => a[0]?.offset)
            assert.deepStrictEqual(
              offsets,
              Array.from({ length: 49 }, (_, i) => i + 1)
            )
            assert.strictEqual(syncs, 2)
            assert.strictEqual(yield* log.endOffset("t", 0), 50)
            assert.strictEqual((yield* log.read("t", 0, 0, 100)).length, 50)
          }).pipe(Effect.ensuring(Deferred.succeed(release, undefined))),
        { disk }
      )
    })
  )

  it.live("keeps no appended record in memory: 64 MiB appended, live memory grows by less than 8 MiB", () =>
    withLog(freshDir(), (log) =>
      Effect.gen(function* () {
        yield* log.createTopic("t", 4)
        const before = yield* liveBytes
        for (let i = 0; i < 64; i++) {
          // distinct strings, so nothing is shared with the caller
          const batch = Array.from({ length: 16 }, (_, k) => ({
            key: `k${k}`,
            value: `${i}:${k}:`.padEnd(64 * 1024, "v")
          }))
          yield* log.append("t", batch)
        }
        const grown = (yield* liveBytes) - before
        assert.isBelow(grown, 8 * 1024 * 1024, `live memory grew by ${grown} bytes`)
        assert.strictEqual((yield* log.read("t", 0, 0, 1))[0]?.value.length, 64 * 1024)
      })
    )
  )

  it.effect("refuses a folder another open log holds; takes over a lock its holder left behind", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const second = yield* withLog(dir, () => Effect.exit(withLog(dir, () => Effect.void)))
      assert.deepStrictEqual(second, Exit.fail(new EmbeddedLogLocked({ dir, pid: process.pid })))
      // released on close
      assert.isFalse(fs.existsSync(join(dir, "lock")))
      // a process that died without closing, and an earlier run of a process with this one's id
      for (const [i, pid] of [2 ** 30, process.pid].entries()) {
        fs.writeFileSync(join(dir, "lock"), String(pid))
        const appended = yield* withLog(dir, (log) => log.append("t", [{ key: null, value: "v" }]))
        assert.deepStrictEqual(appended, [{ partition: 0, offset: i }])
      }
    })
  )
})
