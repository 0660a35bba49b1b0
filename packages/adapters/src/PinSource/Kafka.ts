/**
 * `PinSource` on kafkajs (services-recipes.md §C3). `eachBatch` hands records to a bounded queue and
 * waits while it is full (backpressure), heart-beating meanwhile so the member keeps its partitions;
 * auto-commit is off, and `resolveOffset` only moves the fetch position. Every join or rebalance starts
 * a new generation: records read under an older one are not committed, since their partitions may now
 * belong to another member, which re-reads them from the group's committed offset.
 */
import { Cause, Duration, Effect, Exit, Fiber, Queue, Schedule, Semaphore, Stream } from "effect"
import type { Admin, Consumer, EachBatchPayload } from "kafkajs"
import { KafkaClient } from "../KafkaClient.ts"
import {
  type CommittedOffset,
  type Consumption,
  nextOffsets,
  type PartitionLag,
  PinSourceError,
  type PinSourceService,
  type SourceRecord,
  type SubscribeOptions
} from "./Types.ts"

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

interface PartitionOffsets {
  readonly topic: string
  readonly partition: number
  readonly low: number
  readonly high: number
  /** The group's committed offset; -1 when it never committed here. */
  readonly committed: number
}

/**
 * Every partition of `topics`: its low and high watermarks and `group`'s committed offset, read on one
 * admin connection (the bounded read and the lag both need all three; a run archives several topics,
 * most often with nothing new).
 */
const partitionOffsets = async (
  admin: Admin,
  group: string,
  topics: ReadonlyArray<string>
): Promise<ReadonlyArray<PartitionOffsets>> => {
  const committed = await admin.fetchOffsets({ groupId: group, topics: [...topics] })
  const watermarks = await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)))
  return topics.flatMap((topic, i) => {
    const groupOffsets = committed.find((t) => t.topic === topic)?.partitions ?? []
    return (watermarks[i] ?? []).map((p) => ({
      topic,
      partition: p.partition,
      low: Number(p.low),
      high: Number(p.high),
      committed: Number(groupOffsets.find((g) => g.partition === p.partition)?.offset ?? -1)
    }))
  })
}

export const makeKafkaPinSource = Effect.gen(function* () {
  const client = yield* KafkaClient

  const consume = (options: SubscribeOptions, bounded: boolean) =>
    Effect.gen(function* () {
      const fail = (operation: string) => (cause: unknown) => new PinSourceError({ operation, cause })
      const context = yield* Effect.context<never>()

      // Bounded mode: where to stop, per partition, from offsets taken now.
      const ends = new Map<string, number>()
      if (bounded) {
        const offsets = yield* client
          .admin("read offsets", (admin) => partitionOffsets(admin, options.group, options.topics))
          .pipe(Effect.mapError(fail("read offsets")))
        for (const p of offsets) {
          const start = Math.max(p.low, p.committed)
          if (start < p.high) ends.set(key(p.topic, p.partition), p.high)
        }
        if (ends.size === 0) {
          const nothing: Consumption = {
            records: Stream.empty,
            commit: () => Effect.succeed({ committed: [], skipped: [] })
          }
          return nothing
        }
      }

      const consumer: Consumer = client.kafka.consumer({
        groupId: options.group,
        allowAutoTopicCreation: false,
        // one fetch response stays alive until every record of it is handed over (its messages are views
        // of it): 2 MiB (~1,700 pins, most of a stream batch) held 9 MB less outside the heap than 8 MiB,
        // without a measurable throughput change (bench stream --quick, issue 11)
        maxBytes: 2 * 1024 * 1024,
        // above the edge's largest message (INGEST_MAX_MESSAGE_BYTES, 900 KiB): Kafka promises a message past
        // this limit only for the first non-empty partition of a response (KIP-74), so with a smaller one a
        // partition's backlog of large messages may hold back the others
        maxBytesPerPartition: 1024 * 1024,
        // read to the end: once every partition is done (paused), kafkajs sleeps this long between fetches
        // and disconnect waits for that sleep — 5 s by default, a fixed cost on every batch run.
        ...(bounded
          ? { maxWaitTimeInMs: 200 }
          : {
              minBytes: Math.max(1, options.fetchMinBytes ?? 1),
              maxWaitTimeInMs: Duration.toMillis(options.fetchMaxWait ?? Duration.seconds(5))
            })
      })
      let generation = 0
      const owned = new Map<string, number>()
      const newGeneration = () => {
        generation += 1
        owned.clear()
      }
      consumer.on(consumer.events.REBALANCING, newGeneration)
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        newGeneration()
        const assigned: Array<string> = []
        for (const [topic, partitions] of Object.entries(event.payload.memberAssignment))
          for (const p of partitions) {
            owned.set(key(topic, p), generation)
            assigned.push(`${topic}/${p}`)
          }
        // which member reads what: the first thing to know when a partition's lag grows
        Effect.runForkWith(context)(
          Effect.logInfo("partitions assigned").pipe(
            Effect.annotateLogs({ group: options.group, partitions: assigned.join(",") })
          )
        )
      })

      yield* Effect.acquireRelease(Effect.tryPromise({ try: () => consumer.connect(), catch: fail("connect") }), () =>
        Effect.promise(() => consumer.disconnect().catch(() => undefined))
      )
      yield* Effect.tryPromise({
        try: () => consumer.subscribe({ topics: [...options.topics], fromBeginning: true }),
        catch: fail("subscribe")
      })

      // the read-ahead in bytes: a permit per character of text, taken before a record enters the buffer and
      // given back once the reader pulls it (a record larger than the whole bound takes all of it, alone)
      const bufferBytes = Math.max(1, options.bufferBytes ?? Number.MAX_SAFE_INTEGER)
      const weight = (r: SourceRecord) => Math.min(bufferBytes, Math.max(1, r.value.length))
      const bytes = yield* Semaphore.make(bufferBytes)
      const offerWeighed = (
        queue: Queue.Queue<SourceRecord, PinSourceError | Cause.Done>,
        batch: ReadonlyArray<SourceRecord>
      ) =>
        options.bufferBytes === undefined
          ? Queue.offerAll(queue, batch)
          : Effect.forEach(
              batch,
              (r) =>
                Effect.andThen(
                  bytes.take(weight(r)),
                  // a hand-over interrupted by a rebalance gives its permits back, or they would leak
                  Queue.offer(queue, r).pipe(Effect.onInterrupt(() => Effect.asVoid(bytes.release(weight(r)))))
                ),
              { discard: true }
            )

      const inBuffer = Stream.callback<SourceRecord, PinSourceError>(
        (queue) =>
          Effect.gen(function* () {
            const pending = new Set<Fiber.Fiber<unknown, unknown>>()
            let stopping = false
            const remaining = new Set(bounded ? ends.keys() : [])
            const finished = (topic: string, partition: number) => {
              remaining.delete(key(topic, partition))
              consumer.pause([{ topic, partitions: [partition] }])
              if (remaining.size === 0) Queue.endUnsafe(queue)
            }

            /** Offers while heart-beating; fails with kafkajs' own error when the group rebalances. */
            const handOver = (batch: ReadonlyArray<SourceRecord>, heartbeat: () => Promise<void>) =>
              offerWeighed(queue, batch).pipe(
                Effect.raceFirst(
                  Effect.tryPromise({ try: heartbeat, catch: (cause) => cause }).pipe(
                    Effect.delay("1 second"),
                    Effect.forever
                  )
                )
              )

            const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
              if (stopping || !isRunning() || isStale() || batch.messages.length === 0) return
              const readUnder = generation
              const highWatermark = Number(batch.highWatermark)
              const end = bounded ? ends.get(key(batch.topic, batch.partition)) : Number.POSITIVE_INFINITY
              if (end === undefined || (bounded && !remaining.has(key(batch.topic, batch.partition)))) {
                // bounded mode: this partition was at its end offset already, or is done
                consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }])
                return
              }
              const out: Array<SourceRecord> = []
              for (const m of batch.messages) {
                const offset = Number(m.offset)
                if (offset >= end) break
                out.push({
                  topic: batch.topic,
                  partition: batch.partition,
                  offset,
                  key: m.key === null ? null : m.key.toString(),
                  value: m.value === null ? "" : m.value.toString(),
                  timestamp: Number(m.timestamp),
                  highWatermark,
                  generation: readUnder
                })
              }
              const fiber = Effect.runForkWith(context)(handOver(out, heartbeat))
              pending.add(fiber)
              const exit = await Effect.runPromise(Fiber.await(fiber))
              pending.delete(fiber)
              if (Exit.isFailure(exit)) {
                const error = Cause.squash(exit.cause)
                if (!Cause.hasInterruptsOnly(exit.cause)) newGeneration()
                throw error
              }
              const last = out.at(-1)
              if (last !== undefined) resolveOffset(String(last.offset))
              if (bounded && (last === undefined || last.offset + 1 >= end)) finished(batch.topic, batch.partition)
            }

            consumer.on(consumer.events.CRASH, (event) => {
              if (!event.payload.restart) Queue.failCauseUnsafe(queue, Cause.fail(fail("consume")(event.payload.error)))
            })
            yield* Effect.acquireRelease(
              Effect.tryPromise({
                try: () => consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch }),
                catch: fail("run")
              }),
              // The stream ended (or was interrupted): stop fetching, but stay in the group until the scope
              // closes, so the caller can still commit what it has written (consumer.stop() leaves the group).
              () =>
                Effect.gen(function* () {
                  stopping = true
                  yield* Effect.ignore(Effect.try(() => consumer.pause(options.topics.map((topic) => ({ topic })))))
                  // a handler waiting on a full buffer would otherwise wait forever
                  for (const fiber of pending) yield* Fiber.interrupt(fiber)
                })
            )
          }),
        { bufferSize: options.bufferSize ?? 4096, strategy: "suspend" }
      )
      const records =
        options.bufferBytes === undefined
          ? inBuffer
          : inBuffer.pipe(
              Stream.mapArrayEffect((chunk) =>
                Effect.as(bytes.release(chunk.reduce((sum, r) => sum + weight(r), 0)), chunk)
              )
            )

      const commit = (batch: ReadonlyArray<SourceRecord>) =>
        Effect.gen(function* () {
          const committed: Array<CommittedOffset> = []
          const skipped: Array<CommittedOffset> = []
          for (const o of nextOffsets(batch)) {
            const offset = { topic: o.topic, partition: o.partition, offset: o.offset }
            if (owned.get(key(o.topic, o.partition)) === o.generation && o.generation === generation)
              committed.push(offset)
            else skipped.push(offset)
          }
          if (committed.length > 0)
            yield* Effect.tryPromise({
              try: () => consumer.commitOffsets(committed.map((o) => ({ ...o, offset: String(o.offset) }))),
              catch: fail("commit")
            }).pipe(Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.upTo({ times: 3 }))))
          return { committed, skipped }
        })
      return { records, commit } satisfies Consumption
    })

  /** One admin connection: every partition's high watermark and the group's committed offsets. */
  const lag = (options: { readonly group: string; readonly topics: ReadonlyArray<string> }) =>
    client
      .admin("lag", (admin) => partitionOffsets(admin, options.group, options.topics))
      .pipe(
        Effect.map((offsets) =>
          offsets.map((p): PartitionLag => {
            // -1: the group never committed here, so everything from the partition's start is behind
            const position = p.committed < 0 ? p.low : p.committed
            return {
              topic: p.topic,
              partition: p.partition,
              end: p.high,
              committed: position,
              lag: Math.max(0, p.high - position)
            }
          })
        ),
        Effect.mapError((error) => new PinSourceError({ operation: "lag", cause: error.cause }))
      )

  return {
    subscribe: (options) => consume(options, false),
    readToEnd: (options) => consume(options, true),
    lag
  } satisfies PinSourceService
})
