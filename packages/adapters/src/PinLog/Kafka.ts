/**
 * The kafkajs PinLog: `concurrency` idempotent producers (acks from all in-sync replicas) behind the
 * batching queue, one batch in flight each: kafkajs serialises an idempotent producer's requests, so a
 * second producer lets one batch be encoded while another is acknowledged. Only concurrent requests
 * can land out of order that way — requests a client sends one after another keep their order. A supervisor keeps it connected: Kafka down at start or later only makes writes fail fast
 * (503 upstream) until a broker answers again, then a fresh producer is connected and topics ensured.
 * Each connect reads the topics' real partition counts (a pre-existing topic may have fewer than
 * `KAFKA_PARTITIONS`), refreshed every few minutes and after any failed send: the batcher routes every
 * message with kafkajs' default partitioner over those counts and caps each partition's bytes per send.
 * A send the broker refuses for its records (too large, invalid) is not a broken link: the batcher
 * isolates the one record and the producers stay connected. Readiness is the state a 2 s health
 * probe keeps, so probes and floods of `/readyz` cost the broker nothing.
 */
import { Cause, Deferred, Duration, Effect, Exit, Latch, Schedule } from "effect"
import type { Producer } from "kafkajs"
import { KafkaClient, KafkaError } from "../KafkaClient.ts"
import { EventTopics, ensureTopics } from "../KafkaTopics.ts"
import type { PinLogService } from "../PinLog.ts"
import { type BatcherOptions, makeBatcher, type OutMessage } from "./Batcher.ts"
import { toMessages, topicsByType } from "./Messages.ts"
import { keyPartition } from "./Partitioner.ts"

export const makeKafkaPinLog = Effect.fnUntraced(function* (options: BatcherOptions) {
  const client = yield* KafkaClient
  // already loaded by the client; imported here, not at the top, so the module alone does not load kafkajs
  const { Partitioners } = yield* Effect.promise(() => import("kafkajs"))
  const topics = yield* EventTopics
  const byType = topicsByType(topics.types)
  let producers: ReadonlyArray<Producer> = []
  const busy = new Set<Producer>()
  let up = false
  /** Open while `up`: the batcher's flusher waits on it while the link is down. */
  const link = Latch.makeUnsafe(false)
  /** The last health probe's verdict while connected: what `/readyz` answers from. */
  let reachable = false
  let broken = Deferred.makeUnsafe<void>()
  const markBroken = Effect.sync(() => {
    up = false
    link.closeUnsafe()
    Deferred.doneUnsafe(broken, Exit.void)
  })

  const disconnect = (ps: ReadonlyArray<Producer>) =>
    Effect.forEach(ps, (p) => Effect.promise(() => p.disconnect().catch(() => undefined)), { discard: true })

  const connectOne = Effect.suspend(() => {
    const next = client.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner
    })
    return Effect.tryPromise({
      try: () => next.connect(),
      catch: (cause) => new KafkaError({ operation: "producer.connect", cause })
    }).pipe(
      Effect.onError(() => disconnect([next])),
      Effect.as(next)
    )
  })

  /** Partitions per topic, as the broker reports them. */
  let partitionCounts: ReadonlyMap<string, number> = new Map()
  let keyless = 0
  const readPartitionCounts = client
    .admin("fetchTopicMetadata", (admin) => admin.fetchTopicMetadata({ topics: [...topics.all] }))
    .pipe(
      Effect.map(
        (metadata) =>
          new Map(metadata.topics.map((t) => [t.name, t.partitions.length] as const).filter(([, n]) => n > 0))
      ),
      Effect.tap((counts) =>
        Effect.sync(() => {
          partitionCounts = counts
        })
      )
    )
  /** kafkajs' default partitioner for keyed messages; keyless ones (rare rejects) go round-robin. */
  const partitionOf = (message: OutMessage): number | undefined => {
    const partitions = partitionCounts.get(message.topic)
    if (partitions === undefined) return undefined
    return message.key === null ? keyless++ % partitions : keyPartition(message.key, partitions)
  }

  const connect = Effect.gen(function* () {
    yield* client.probe(Duration.seconds(2))
    yield* ensureTopics(topics.all, topics)
    const counts = yield* readPartitionCounts
    for (const { topic } of topics.types)
      if ((counts.get(topic) ?? topics.partitions) !== topics.partitions)
        yield* Effect.logInfo(
          `topic ${topic} has ${counts.get(topic)} partitions (KAFKA_PARTITIONS=${topics.partitions} only applies to new topics)`
        )
    return yield* Effect.acquireRelease(
      Effect.forEach(Array.from({ length: Math.max(1, options.concurrency) }), () => connectOne),
      (ps, exit) => (exit._tag === "Failure" ? disconnect(ps) : Effect.void)
    ).pipe(Effect.scoped)
  })

  /** Retries of a failed connect: 500 ms doubling, at most 5 s apart. */
  const reconnectSchedule = Schedule.min([Schedule.exponential("500 millis"), Schedule.spaced("5 seconds")])

  /** Connect, wait until a send or the health check says the link broke, reconnect; forever. */
  const supervise = Effect.gen(function* () {
    while (true) {
      let failures = 0
      const connected = yield* connect.pipe(
        Effect.tapCause((cause) => {
          failures += 1
          if (failures > 1) return Effect.void
          const failure = cause.reasons.find((r) => r._tag === "Fail")
          const reason = failure?._tag === "Fail" ? failure.error.message : Cause.pretty(cause)
          return Effect.logWarning(`Kafka unavailable, writes answer 503 until it is back: ${reason}`)
        }),
        Effect.retry(reconnectSchedule)
      )
      if (failures > 0) yield* Effect.logInfo("Kafka reachable again")
      broken = Deferred.makeUnsafe<void>()
      producers = connected
      reachable = true
      up = true
      link.openUnsafe()
      yield* Deferred.await(broken)
      up = false
      link.closeUnsafe()
      const old = producers
      producers = []
      busy.clear()
      // The old producers may still hold a send; let it finish or fail in the background.
      yield* Effect.forkDetach(disconnect(old))
    }
  }).pipe(Effect.onInterrupt(() => Effect.suspend(() => disconnect(producers))))

  let misses = 0
  let checks = 0
  /**
   * Every 2 s while connected: one probe sets readiness; two failed in a row mean the link is broken
   * even without traffic.
   */
  const healthCheck = Effect.gen(function* () {
    if (!up) return
    // partitions can be added to a topic: follow them as kafkajs' own metadata refresh (5 min) does
    if (++checks % 150 === 0) yield* readPartitionCounts.pipe(Effect.ignore)
    const ok = yield* client.probe(Duration.millis(1_500)).pipe(Effect.isSuccess)
    reachable = ok
    misses = ok ? 0 : misses + 1
    if (misses >= 2) {
      yield* Effect.logWarning("Kafka stopped answering")
      misses = 0
      yield* markBroken
    }
  }).pipe(Effect.repeat(Schedule.spaced("2 seconds")))

  /**
   * The broker's record-level refusals (kafkajs protocol error types), found through kafkajs' wrappers
   * (`cause`, `originalError`); any other failure is taken as the link's.
   */
  const recordErrors = new Set([
    "MESSAGE_TOO_LARGE",
    "RECORD_LIST_TOO_LARGE",
    "INVALID_RECORD",
    "CORRUPT_MESSAGE",
    "INVALID_TIMESTAMP"
  ])
  const refusedRecords = (error: KafkaError): string | undefined => {
    let cause: unknown = error.cause
    for (let depth = 0; depth < 5 && typeof cause === "object" && cause !== null; depth++) {
      const { type, message } = cause as { readonly type?: unknown; readonly message?: unknown }
      if (typeof type === "string" && recordErrors.has(type)) return `${type}: ${String(message)}`
      const next = cause as { readonly cause?: unknown; readonly originalError?: unknown }
      cause = next.cause ?? next.originalError
    }
    return undefined
  }

  const sendTimeout = Duration.fromInputUnsafe(options.ackTimeout)
  const send = (batch: ReadonlyArray<OutMessage>) =>
    Effect.suspend(() => {
      const current = producers.find((p) => !busy.has(p))
      if (current === undefined) return Effect.fail(new KafkaError({ operation: "send", cause: "not connected" }))
      busy.add(current)
      // kafkajs reads only key, value and partition of a message: the batch's own objects are passed as they are
      const byTopic = new Map<string, Array<OutMessage>>()
      for (const m of batch) {
        let list = byTopic.get(m.topic)
        if (list === undefined) {
          list = []
          byTopic.set(m.topic, list)
        }
        list.push(m)
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }))
      return Effect.tryPromise({
        try: () => current.sendBatch({ acks: -1, topicMessages }),
        catch: (cause) => new KafkaError({ operation: "send", cause })
      }).pipe(
        Effect.timeoutOrElse({
          duration: sendTimeout,
          orElse: () => Effect.fail(new KafkaError({ operation: "send", cause: "no acknowledgement in time" }))
        }),
        Effect.ensuring(Effect.sync(() => busy.delete(current)))
      )
    })

  // Order matters: the batcher's finalizer (flush) runs before the supervisor's (disconnect).
  yield* Effect.forkScoped(supervise)
  yield* Effect.forkScoped(healthCheck)
  const batcher = yield* makeBatcher(
    send,
    () => up,
    options,
    () => markBroken,
    partitionOf,
    refusedRecords,
    link.await
  )

  return {
    write: (records) => Effect.suspend(() => batcher.offer(toMessages(byType, records))),
    ready: Effect.sync(() => up && reachable),
    depth: Effect.sync(batcher.depth)
  } satisfies PinLogService
})
