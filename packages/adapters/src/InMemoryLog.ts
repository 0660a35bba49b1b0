/**
 * An in-process, partitioned, append-only log with consumer-group offsets: the embedded stand-in for
 * Kafka. The in-memory producer and consumer Layers share it. `InMemoryLog.make` / `layer` keep records
 * in memory (tests see exactly what was appended and committed); `EmbeddedLog` implements the same
 * service on fsynced segment files for `pinflow start`.
 * Every operation is O(1) or O(records read); nothing copies the log.
 *
 * Offsets of a fresh log start at a per-boot base (the start time in microseconds), not at 0: what was
 * derived from an earlier log (rows and rejects keyed by topic/partition/offset in the embedded database,
 * archive parts named by offsets) outlives it, so offsets must never repeat across runs.
 */
import { Clock, Context, Deferred, Effect, Layer } from "effect"

export interface LogRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: string
  /** Append time, epoch milliseconds. */
  readonly timestamp: number
}

export interface LogMessage {
  readonly key: string | null
  readonly value: string
}

export interface Appended {
  readonly partition: number
  readonly offset: number
}

/** Stable partition of a key (FNV-1a); keyless messages go round-robin. */
export const partitionOf = (key: string | null, partitions: number, counter: number): number => {
  if (key === null) return counter % partitions
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % partitions
}

export class InMemoryLog extends Context.Service<
  InMemoryLog,
  {
    /** Creates the topic with this many partitions unless it exists (then its partitions stay). */
    readonly createTopic: (topic: string, partitions: number) => Effect.Effect<void>
    readonly partitions: (topic: string) => Effect.Effect<number>
    /**
     * Appends messages, partitioned by key; returns once they are stored (by `EmbeddedLog`: synced to
     * disk), where each landed. Fails nothing; a disk failure is a defect.
     */
    readonly append: (topic: string, messages: ReadonlyArray<LogMessage>) => Effect.Effect<ReadonlyArray<Appended>>
    /**
     * Up to `max` records of one partition from `offset` on (from the first one held when `offset` is
     * older); empty when there are none yet. May return fewer than are available.
     */
    readonly read: (
      topic: string,
      partition: number,
      offset: number,
      max: number
    ) => Effect.Effect<ReadonlyArray<LogRecord>>
    /** Waits until any partition of any topic has grown since the call. */
    readonly awaitAppend: Effect.Effect<void>
    /** The offset after the last record readers can see (the next record's, once appends settle). */
    readonly endOffset: (topic: string, partition: number) => Effect.Effect<number>
    /** The offset a fresh partition starts from (the same for every partition). */
    readonly startOffset: number
    /** Stores a group's next offset to read for a partition. */
    readonly commit: (group: string, topic: string, partition: number, nextOffset: number) => Effect.Effect<void>
    /** A group's committed next offset for a partition; the partition's first held offset when it never committed. */
    readonly committed: (group: string, topic: string, partition: number) => Effect.Effect<number>
  }
>()("pinflow/adapters/InMemoryLog") {
  /** A fresh empty log; `defaultPartitions` is used when a topic is appended to before it was created. */
  static readonly make = (defaultPartitions = 1) =>
    Effect.gen(function* () {
      const base = (yield* Clock.currentTimeMillis) * 1000
      const topics = new Map<string, Array<Array<LogRecord>>>()
      const offsets = new Map<string, number>()
      let appended = Deferred.makeUnsafe<void>()
      let counter = 0
      const ensure = (topic: string, partitions: number): Array<Array<LogRecord>> => {
        let log = topics.get(topic)
        if (log === undefined) {
          log = Array.from({ length: Math.max(1, partitions) }, () => [])
          topics.set(topic, log)
        }
        return log
      }
      const offsetKey = (group: string, topic: string, partition: number) => `${group}\u0000${topic}\u0000${partition}`
      return InMemoryLog.of({
        createTopic: (topic, partitions) => Effect.sync(() => void ensure(topic, partitions)),
        partitions: (topic) => Effect.sync(() => ensure(topic, defaultPartitions).length),
        append: (topic, messages) =>
          Effect.gen(function* () {
            const log = ensure(topic, defaultPartitions)
            const timestamp = yield* Clock.currentTimeMillis
            const result = messages.map((message) => {
              const partition = partitionOf(message.key, log.length, counter++)
              const records = log[partition] as Array<LogRecord>
              const offset = base + records.length
              records.push({ topic, partition, offset, key: message.key, value: message.value, timestamp })
              return { partition, offset }
            })
            const waiting = appended
            appended = Deferred.makeUnsafe<void>()
            Deferred.doneUnsafe(waiting, Effect.void)
            return result
          }),
        read: (topic, partition, offset, max) =>
          Effect.sync(() => {
            const from = Math.max(0, offset - base)
            return ensure(topic, defaultPartitions)[partition]?.slice(from, from + max) ?? []
          }),
        awaitAppend: Effect.suspend(() => Deferred.await(appended)),
        endOffset: (topic, partition) =>
          Effect.sync(() => base + (ensure(topic, defaultPartitions)[partition]?.length ?? 0)),
        startOffset: base,
        commit: (group, topic, partition, nextOffset) =>
          Effect.sync(() => void offsets.set(offsetKey(group, topic, partition), nextOffset)),
        committed: (group, topic, partition) =>
          Effect.sync(() => offsets.get(offsetKey(group, topic, partition)) ?? base)
      })
    })

  static readonly layer = Layer.effect(InMemoryLog, InMemoryLog.make())
  static readonly layerPartitions = (defaultPartitions: number) =>
    Layer.effect(InMemoryLog, InMemoryLog.make(defaultPartitions))
}
