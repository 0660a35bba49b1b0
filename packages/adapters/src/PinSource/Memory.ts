/**
 * `PinSource` over the in-process `InMemoryLog`: one member per group (it owns every partition), reading
 * from the group's committed offsets into a bounded buffer. Used by tests and the embedded `pinflow start`.
 */
import { Effect, Fiber, Queue, Stream } from "effect"
import { InMemoryLog, type LogRecord } from "../InMemoryLog.ts"
import type { Consumption, PartitionLag, PinSourceService, SourceRecord, SubscribeOptions } from "./Types.ts"
import { nextOffsets } from "./Types.ts"

/** Records read from one partition per step: bounds how long a step holds the others back. */
const readChunk = 512

interface Cursor {
  readonly topic: string
  readonly partition: number
  position: number
  /** Bounded mode: the end offset snapshot; the cursor is done once `position` reaches it. */
  readonly end: number
}

const toSourceRecord = (record: LogRecord, highWatermark: number): SourceRecord => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  key: record.key,
  value: record.value,
  timestamp: record.timestamp,
  highWatermark,
  generation: 0
})

export const makeMemoryPinSource = Effect.gen(function* () {
  const log = yield* InMemoryLog

  const cursors = (options: SubscribeOptions, bounded: boolean) =>
    Effect.forEach(options.topics, (topic) =>
      Effect.flatMap(log.partitions(topic), (count) =>
        Effect.forEach(
          Array.from({ length: count }, (_, p) => p),
          (partition) =>
            Effect.all({
              position: log.committed(options.group, topic, partition),
              end: bounded ? log.endOffset(topic, partition) : Effect.succeed(Number.POSITIVE_INFINITY)
            }).pipe(Effect.map(({ position, end }): Cursor => ({ topic, partition, position, end })))
        )
      )
    ).pipe(Effect.map((perTopic) => perTopic.flat()))

  const consume = (options: SubscribeOptions, bounded: boolean) =>
    Effect.gen(function* () {
      const all = yield* cursors(options, bounded)
      const records = Stream.callback<SourceRecord>(
        (queue) =>
          Effect.gen(function* () {
            while (true) {
              const open = all.filter((c) => c.position < c.end)
              if (open.length === 0) return yield* Queue.end(queue)
              // Start waiting before reading, so an append between the read and the wait is not missed.
              const appended = yield* Effect.forkChild(log.awaitAppend, { startImmediately: true })
              let read = 0
              for (const cursor of open) {
                const max = Math.min(readChunk, cursor.end - cursor.position)
                const chunk = yield* log.read(cursor.topic, cursor.partition, cursor.position, max)
                if (chunk.length === 0) continue
                const highWatermark = yield* log.endOffset(cursor.topic, cursor.partition)
                cursor.position += chunk.length
                read += chunk.length
                // suspends while the buffer is full: backpressure
                yield* Queue.offerAll(
                  queue,
                  chunk.map((r) => toSourceRecord(r, highWatermark))
                )
              }
              if (read === 0) yield* Fiber.join(appended)
              else yield* Fiber.interrupt(appended)
            }
          }),
        { bufferSize: options.bufferSize ?? 4096, strategy: "suspend" }
      )
      const commit = (batch: ReadonlyArray<SourceRecord>) =>
        Effect.gen(function* () {
          const offsets = nextOffsets(batch).map(({ topic, partition, offset }) => ({ topic, partition, offset }))
          for (const o of offsets) yield* log.commit(options.group, o.topic, o.partition, o.offset)
          return { committed: offsets, skipped: [] }
        })
      return { records, commit } satisfies Consumption
    })

  return {
    subscribe: (options) => consume(options, false),
    readToEnd: (options) => consume(options, true),
    lag: (options) =>
      Effect.map(cursors({ group: options.group, topics: options.topics }, true), (all) =>
        all.map(
          (c): PartitionLag => ({
            topic: c.topic,
            partition: c.partition,
            end: c.end,
            committed: c.position,
            lag: Math.max(0, c.end - c.position)
          })
        )
      )
  } satisfies PinSourceService
})
