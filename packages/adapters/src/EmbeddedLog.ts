/**
 * The durable embedded log behind `pinflow start` on embedded defaults: the `InMemoryLog` service on
 * segment files under one folder (`topics/<topic>/<partition>/<first offset>.log`, plus `offsets.json`).
 * An append returns once its records are synced; appends that arrive while a sync runs share the next
 * one (group commit). Readers see synced records only. Segments every consumer group has committed past
 * are deleted, so the folder's size follows the lag, not the history. Offsets continue across restarts.
 */
import { dirname, join } from "node:path"
import { Clock, Data, Deferred, Effect, Exit, Layer } from "effect"
import { type Disk, nodeDisk } from "./EmbeddedLog/Disk.ts"
import { formatOffsets, groupsOf, offsetKey, parseOffsets } from "./EmbeddedLog/Offsets.ts"
import {
  appendTo,
  closePartition,
  createPartition,
  flush,
  openPartition,
  type Partition,
  readFrom,
  startOf,
  trim
} from "./EmbeddedLog/Partition.ts"
import { type Appended, InMemoryLog, type LogRecord, partitionOf } from "./InMemoryLog.ts"

export interface EmbeddedLogOptions {
  /** Partitions of a topic appended to before it was created. */
  readonly defaultPartitions?: number
  /** A segment takes no further appends once this large (default 8 MiB). */
  readonly segmentBytes?: number
  /** Most bytes one `read` returns (at least one record; default 1 MiB). */
  readonly readBytes?: number
  /** Groups that must commit past a topic's records before they are deleted, besides any that committed on it. */
  readonly retainFor?: (topic: string) => ReadonlyArray<string>
  /** The file operations (tests wrap them to count or hold syncs). */
  readonly disk?: Disk
}

/** Another live process (or another log in this one) has the folder open: two writers would corrupt it. */
export class EmbeddedLogLocked extends Data.TaggedError("EmbeddedLogLocked")<{
  readonly dir: string
  readonly pid: number
}> {
  override get message() {
    return `the embedded log in ${this.dir} is in use by process ${this.pid}`
  }
}

// "." and ".." must not become folder names
const folderOf = (topic: string) => encodeURIComponent(topic).replace(/\./g, "%2E")

export const makeEmbeddedLog = (dir: string, options: EmbeddedLogOptions = {}) =>
  Effect.gen(function* () {
    const disk = options.disk ?? nodeDisk
    const defaultPartitions = options.defaultPartitions ?? 1
    const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024
    const readBytes = options.readBytes ?? 1024 * 1024
    const retainFor = options.retainFor ?? (() => [])
    const topicsDir = join(dir, "topics")
    const offsetsPath = join(dir, "offsets.json")

    yield* Effect.sync(() => disk.makeDir(topicsDir))
    // the folders themselves must survive a power loss, not only the files in them
    yield* disk.syncDir(dir)
    yield* disk.syncDir(dirname(dir))
    const lockPath = join(dir, "lock")
    const holder = yield* Effect.sync(() => disk.lock(lockPath))
    if (holder !== undefined) return yield* new EmbeddedLogLocked({ dir, pid: holder })
    yield* Effect.addFinalizer(() => Effect.sync(() => disk.unlock(lockPath)))
    const text = yield* Effect.sync(() => disk.readText(offsetsPath))
    const state =
      text === undefined
        ? { base: (yield* Clock.currentTimeMillis) * 1000, committed: new Map<string, number>() }
        : parseOffsets(text)
    if (text === undefined) yield* disk.writeAtomic(offsetsPath, formatOffsets(state))
    const { base, committed } = state

    const topics = new Map<string, Array<Partition>>()
    for (const name of disk.list(topicsDir)) {
      const topicDir = join(topicsDir, name)
      const numbers = new Set(disk.list(topicDir))
      const partitions: Array<Partition> = []
      for (let i = 0; numbers.has(String(i)); i++) {
        partitions.push(yield* openPartition(disk, join(topicDir, String(i)), base, []))
      }
      if (partitions.length > 0) topics.set(decodeURIComponent(name), partitions)
    }

    const ensure = (topic: string, count: number): Array<Partition> => {
      let partitions = topics.get(topic)
      if (partitions === undefined) {
        const topicDir = join(topicsDir, folderOf(topic))
        partitions = Array.from({ length: Math.max(1, count) }, (_, i) =>
          createPartition(disk, join(topicDir, String(i)), base, [topicsDir, topicDir])
        )
        topics.set(topic, partitions)
      }
      return partitions
    }

    let counter = 0
    let appended = Deferred.makeUnsafe<void>()
    /** Completed by the next flush round: everything appended before that round started is synced. */
    let nextRound = Deferred.makeUnsafe<void>()
    let work = Deferred.makeUnsafe<void>()
    const dirty = new Set<Partition>()
    let offsetsDirty = false
    const wake = () => Deferred.doneUnsafe(work, Exit.void)

    const trimAll = (saved: ReadonlyMap<string, number>) =>
      Effect.forEach(
        [...topics],
        ([topic, partitions]) => {
          const groups = [...new Set([...retainFor(topic), ...groupsOf(saved, topic)])]
          if (groups.length === 0) return Effect.void
          return Effect.forEach(
            partitions,
            (p, i) => trim(disk, p, Math.min(...groups.map((g) => saved.get(offsetKey(g, topic, i)) ?? startOf(p)))),
            { discard: true }
          )
        },
        { discard: true }
      )

    // one round at a time, never interrupted halfway: a sync in flight must not outlive its file
    const round = Effect.uninterruptible(
      Effect.gen(function* () {
        work = Deferred.makeUnsafe<void>()
        const waiting = nextRound
        nextRound = Deferred.makeUnsafe<void>()
        const partitions = [...dirty]
        dirty.clear()
        const synced = yield* Effect.exit(Effect.forEach(partitions, (p) => flush(disk, p), { discard: true }))
        Deferred.doneUnsafe(waiting, synced)
        if (Exit.isFailure(synced)) yield* Effect.logWarning("embedded log: sync failed", synced.cause)
        if (partitions.length > 0) {
          const waiters = appended
          appended = Deferred.makeUnsafe<void>()
          Deferred.doneUnsafe(waiters, Exit.void)
        }
        if (!offsetsDirty) return
        offsetsDirty = false
        const saved = new Map(committed)
        const stored = yield* Effect.exit(
          disk.writeAtomic(offsetsPath, formatOffsets({ base, committed: saved })).pipe(Effect.andThen(trimAll(saved)))
        )
        if (Exit.isFailure(stored)) {
          offsetsDirty = true
          yield* Effect.logWarning("embedded log: saving offsets or trimming failed", stored.cause)
        }
      })
    )

    yield* Effect.addFinalizer(() =>
      round.pipe(
        Effect.andThen(
          Effect.sync(() => {
            for (const partitions of topics.values()) for (const p of partitions) closePartition(disk, p)
          })
        )
      )
    )
    // the flusher must outlive any one failed round: appends wait for it
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.suspend(() => (dirty.size === 0 && !offsetsDirty ? Deferred.await(work) : Effect.void)).pipe(
          Effect.andThen(round),
          Effect.catchCause((cause) => Effect.logError("embedded log: flush round failed", cause))
        )
      )
    )

    const partitionOfTopic = (topic: string, partition: number) => ensure(topic, defaultPartitions)[partition]

    return InMemoryLog.of({
      createTopic: (topic, partitions) => Effect.sync(() => void ensure(topic, partitions)),
      partitions: (topic) => Effect.sync(() => ensure(topic, defaultPartitions).length),
      append: (topic, messages) =>
        Effect.gen(function* () {
          if (messages.length === 0) return []
          const timestamp = yield* Clock.currentTimeMillis
          // offsets are assigned and bytes written in one synchronous step, so appends never interleave
          const { result, synced } = yield* Effect.sync(() => {
            const partitions = ensure(topic, defaultPartitions)
            const byPartition = new Map<number, Array<number>>()
            messages.forEach((message, i) => {
              const partition = partitionOf(message.key, partitions.length, counter++)
              const indices = byPartition.get(partition) ?? []
              indices.push(i)
              byPartition.set(partition, indices)
            })
            wake()
            const result = new Array<Appended>(messages.length)
            for (const [partition, indices] of byPartition) {
              const p = partitions[partition] as Partition
              dirty.add(p)
              const first = appendTo(
                disk,
                p,
                indices.map((i) => messages[i] as (typeof messages)[number]),
                timestamp,
                segmentBytes
              )
              indices.forEach((i, k) => {
                result[i] = { partition, offset: first + k }
              })
            }
            return { result, synced: nextRound }
          })
          yield* Deferred.await(synced)
          return result
        }),
      read: (topic, partition, offset, max) =>
        Effect.sync((): ReadonlyArray<LogRecord> => {
          const p = partitionOfTopic(topic, partition)
          if (p === undefined) return []
          const { first, records } = readFrom(disk, p, offset, max, readBytes)
          return records.map((r, i) => ({ topic, partition, offset: first + i, ...r }))
        }),
      awaitAppend: Effect.suspend(() => Deferred.await(appended)),
      endOffset: (topic, partition) => Effect.sync(() => partitionOfTopic(topic, partition)?.durableEnd ?? base),
      startOffset: base,
      commit: (group, topic, partition, nextOffset) =>
        Effect.sync(() => {
          committed.set(offsetKey(group, topic, partition), nextOffset)
          offsetsDirty = true
          wake()
        }),
      committed: (group, topic, partition) =>
        Effect.sync(() => {
          const p = partitionOfTopic(topic, partition)
          return committed.get(offsetKey(group, topic, partition)) ?? (p === undefined ? base : startOf(p))
        })
    })
  })

/** The durable embedded log as the `InMemoryLog` service, open while the Layer is. */
export const EmbeddedLog = {
  make: makeEmbeddedLog,
  layer: (dir: string, options: EmbeddedLogOptions = {}) => Layer.effect(InMemoryLog, makeEmbeddedLog(dir, options))
}
