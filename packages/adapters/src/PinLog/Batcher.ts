/**
 * The bounded micro-batching queue in front of a log. Concurrent callers' messages are queued and sent
 * together: an idle queue sends at once (after `linger`, default 0), and whatever arrives while a send
 * is in flight goes out as the next batch the moment it is acknowledged — batches grow with load,
 * latency does not. Each caller completes only when every one of *its* messages is acknowledged. The queue is bounded
 * by messages and bytes: when full, when the log is down, or when no acknowledgement arrives within
 * `ackTimeout`, the caller fails with `PinLogUnavailable` at once (callers answer 503; nothing is ever
 * reported written that was not).
 */
import { Clock, Data, Deferred, Duration, Effect, Exit, Fiber, Metric, Schedule } from "effect"

/** One message bound for a topic; `partition` is set when the batcher routed it (see `makeBatcher`). */
export interface OutMessage {
  readonly topic: string
  readonly key: string | null
  readonly value: string
  /** `value`'s UTF-8 length, when the producer of the message already measured it. */
  readonly bytes?: number
  readonly partition?: number
}

export type UnavailableReason = "overloaded" | "down" | "timeout" | "failed" | "closed"

/** The log cannot take these messages now; retrying later may succeed. */
export class PinLogUnavailable extends Data.TaggedError("PinLogUnavailable")<{
  readonly reason: UnavailableReason
  readonly message: string
}> {}

/**
 * The log will never take these messages as they are: a write bigger than the whole queue
 * (`request_too_large`), or a record the broker itself refused (`record_refused`, e.g. over its message
 * size). Retrying the same write cannot succeed.
 */
export class PinLogRefused extends Data.TaggedError("PinLogRefused")<{
  readonly reason: "request_too_large" | "record_refused"
  readonly message: string
}> {}

export type PinLogWriteError = PinLogUnavailable | PinLogRefused

export interface BatcherOptions {
  /** Most messages waiting (not yet sent) before callers are refused. */
  readonly maxQueueEvents: number
  /** Most bytes waiting (not yet sent) before callers are refused. */
  readonly maxQueueBytes: number
  /** Most messages per send. */
  readonly maxBatchEvents: number
  /** Most bytes per send. */
  readonly maxBatchBytes: number
  /**
   * Most bytes one partition takes from one send, when messages are routed: a partition's share of a send
   * is one record batch, which the broker refuses over its `message.max.bytes` (1 MB by default).
   */
  readonly maxPartitionBytes: number
  /** How long an idle queue waits for company before sending (0: send at once). */
  readonly linger: Duration.Input
  /** How long a caller waits for its acknowledgement. */
  readonly ackTimeout: Duration.Input
  /** Sends in flight at once (the log must accept that many concurrent `send`s). */
  readonly concurrency: number
}

export const defaultBatcherOptions: BatcherOptions = {
  maxQueueEvents: 50_000,
  maxQueueBytes: 64 * 1024 * 1024,
  maxBatchEvents: 10_000,
  maxBatchBytes: 3 * 1024 * 1024,
  maxPartitionBytes: 768 * 1024,
  linger: Duration.zero,
  ackTimeout: Duration.seconds(5),
  concurrency: 1
}

export interface Batcher {
  /** Queues the messages and waits until all are acknowledged. */
  readonly offer: (messages: ReadonlyArray<OutMessage>) => Effect.Effect<void, PinLogWriteError>
  /** Messages and bytes waiting to be sent. */
  readonly depth: () => { readonly events: number; readonly bytes: number }
}

interface Entry {
  /** The messages not yet handed to a send; emptied once all are taken, so the queue never holds sent events. */
  messages: ReadonlyArray<OutMessage>
  sizes: ReadonlyArray<number>
  /** How many messages the caller offered. */
  readonly count: number
  readonly deferred: Deferred.Deferred<void, PinLogWriteError>
  /** Epoch millis after which the caller is answered "timeout". */
  readonly deadline: number
  /** Index of the first message not yet taken for a send. */
  next: number
  acked: number
  settled: boolean
}

const queueEvents = Metric.gauge("pinflow_log_queue_events", { description: "Messages waiting to be sent to Kafka" })
const queueBytes = Metric.gauge("pinflow_log_queue_bytes", { description: "Bytes waiting to be sent to Kafka" })
const produceSeconds = Metric.histogram("pinflow_log_produce_duration_seconds", {
  description: "Time from send to acknowledgement of one batch (acks from all in-sync replicas)",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})
const batchEvents = Metric.histogram("pinflow_log_batch_events", {
  description: "Messages per send",
  boundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
})

const noMessages: ReadonlyArray<OutMessage> = []
const noSizes: ReadonlyArray<number> = []

const byteLength = (m: OutMessage): number =>
  (m.bytes ?? Buffer.byteLength(m.value)) + (m.key === null ? 0 : Buffer.byteLength(m.key)) + 16

/**
 * Starts the flusher in the current scope. `send` performs one acknowledged write of a batch; `isUp`
 * says whether the log is connected. Closing the scope stops intake and flushes what was accepted.
 * With `partitionOf` (the partition the log would choose; undefined = unknown), each message is sent
 * with its partition set, and a send stops taking messages before one partition would get more than
 * `maxPartitionBytes` (a partition's first message always goes, alone if need be), so skewed keys or a
 * topic with fewer partitions than configured never make a record batch the broker refuses.
 * With `refusedRecords` (a failure that is about the records, not the link: says why), such a failed
 * send is halved and retried until the one refused message is found; only its caller fails
 * (`PinLogRefused`), and `onSendFailure` (the link is broken) is not called for it.
 * `whenUp` completes once the log is up again (a latch the link opens): the flusher waits on it while
 * the log is down instead of polling `isUp`.
 */
export const makeBatcher = Effect.fnUntraced(function* <E>(
  send: (batch: ReadonlyArray<OutMessage>) => Effect.Effect<void, E>,
  isUp: () => boolean,
  options: BatcherOptions,
  onSendFailure: (error: E) => Effect.Effect<void> = () => Effect.void,
  partitionOf?: (message: OutMessage) => number | undefined,
  refusedRecords: (error: E) => string | undefined = () => undefined,
  whenUp: Effect.Effect<void> = Effect.sleep(Duration.millis(50))
) {
  const entries: Array<Entry> = []
  let head = 0
  // Same timeout for everyone, so deadlines are in arrival order: one sweeper, no timer per caller.
  const byDeadline: Array<Entry> = []
  let deadlineHead = 0
  let events = 0
  let bytes = 0
  let closed = false
  let wake = Deferred.makeUnsafe<void>()
  let idle = Deferred.makeUnsafe<void>()
  let inFlight = 0
  const ackTimeout = Duration.fromInputUnsafe(options.ackTimeout)
  const linger = Duration.fromInputUnsafe(options.linger)

  const unavailable = (reason: UnavailableReason, message: string) => new PinLogUnavailable({ reason, message })

  const publishDepth = Effect.suspend(() =>
    Effect.andThen(Metric.update(queueEvents, events), Metric.update(queueBytes, bytes))
  )

  /** Lets go of an entry's messages once none is left to take: a send holds its own batch. */
  const release = (entry: Entry) => {
    entry.messages = noMessages
    entry.sizes = noSizes
    entry.next = 0
  }

  /** Drops an entry's messages that were not taken for a send yet. */
  const abandon = (entry: Entry) => {
    for (let i = entry.next; i < entry.messages.length; i++) {
      events -= 1
      bytes -= entry.sizes[i] as number
    }
    release(entry)
  }

  const settle = (entry: Entry, exit: Exit.Exit<void, PinLogWriteError>) => {
    if (entry.settled) return
    entry.settled = true
    abandon(entry)
    Deferred.doneUnsafe(entry.deferred, exit)
  }

  const signalIdle = () => {
    if (events === 0 && inFlight === 0) {
      const waiting = idle
      idle = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(waiting, Exit.void)
    }
  }

  /** Takes up to a batch of messages off the queue, remembering which entries they belong to. */
  const take = () => {
    const batch: Array<OutMessage> = []
    const parts: Array<[Entry, number]> = []
    let batchBytes = 0
    // bytes per topic and partition ("*": partition unknown, all counted as one)
    const partitionBytes = new Map<string, number>()
    let partitionFull = false
    while (head < entries.length && batch.length < options.maxBatchEvents) {
      const entry = entries[head] as Entry
      let taken = 0
      while (entry.next < entry.messages.length && batch.length < options.maxBatchEvents) {
        const size = entry.sizes[entry.next] as number
        if (batch.length > 0 && batchBytes + size > options.maxBatchBytes) break
        let message = entry.messages[entry.next] as OutMessage
        if (partitionOf !== undefined) {
          const partition = partitionOf(message)
          const slot = `${message.topic}\u0000${partition ?? "*"}`
          const used = partitionBytes.get(slot) ?? 0
          if (used > 0 && used + size > options.maxPartitionBytes) {
            partitionFull = true
            break
          }
          partitionBytes.set(slot, used + size)
          if (partition !== undefined)
            message = { topic: message.topic, key: message.key, value: message.value, partition }
        }
        batch.push(message)
        batchBytes += size
        bytes -= size
        events -= 1
        entry.next += 1
        taken += 1
      }
      if (taken > 0) parts.push([entry, taken])
      if (partitionFull || entry.next < entry.messages.length) break
      release(entry)
      head += 1
      if (batchBytes >= options.maxBatchBytes) break
    }
    if (head > 1024 && head * 2 > entries.length) {
      entries.splice(0, head)
      head = 0
    }
    return { batch, parts }
  }

  const signalWake = () => {
    const waiting = wake
    wake = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(waiting, Exit.void)
  }

  /** Sends `batch` (`owners[i]` is the entry of `batch[i]`); a refused batch is halved down to the culprit. */
  const deliver = (batch: ReadonlyArray<OutMessage>, owners: ReadonlyArray<Entry>): Effect.Effect<void> =>
    Effect.gen(function* () {
      const started = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const exit = yield* Effect.exit(send(batch))
      const elapsed = (yield* Effect.clockWith((clock) => clock.currentTimeMillis)) - started
      yield* Metric.update(produceSeconds, elapsed / 1000)
      yield* Metric.update(batchEvents, batch.length)
      if (Exit.isSuccess(exit)) {
        for (const entry of owners) {
          entry.acked += 1
          if (entry.acked === entry.count) settle(entry, Exit.void)
        }
        return
      }
      const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
      const error = reason !== undefined && reason._tag === "Fail" ? reason.error : undefined
      const refused = error === undefined ? undefined : refusedRecords(error)
      if (refused !== undefined) {
        if (batch.length > 1) {
          const half = batch.length >>> 1
          yield* deliver(batch.slice(0, half), owners.slice(0, half))
          return yield* deliver(batch.slice(half), owners.slice(half))
        }
        yield* Effect.logWarning("Kafka refused a record").pipe(Effect.annotateLogs({ error: refused }))
        const owner = owners[0] as Entry
        return settle(
          owner,
          Exit.fail(new PinLogRefused({ reason: "record_refused", message: `Kafka refused the event: ${refused}` }))
        )
      }
      // the link is marked broken before the callers hear of it, so their retries meet "down" at once
      yield* Effect.logWarning("Kafka send failed").pipe(Effect.annotateLogs({ error: String(exit.cause) }))
      if (error !== undefined) yield* onSendFailure(error)
      const failure = unavailable("failed", "Kafka did not acknowledge the write; retry later")
      for (const entry of owners) settle(entry, Exit.fail(failure))
    })

  const flush = (batch: ReadonlyArray<OutMessage>, parts: ReadonlyArray<[Entry, number]>) =>
    Effect.gen(function* () {
      yield* publishDepth
      const owners: Array<Entry> = []
      for (const [entry, count] of parts) for (let i = 0; i < count; i++) owners.push(entry)
      yield* deliver(batch, owners)
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          inFlight -= 1
          signalIdle()
          signalWake()
        })
      )
    )

  /** Woken by callers and by finished sends; sends whenever there is work and a free slot. */
  const loop = Effect.gen(function* () {
    while (true) {
      if (events === 0 || inFlight >= options.concurrency) {
        const wasIdle = events === 0 && inFlight === 0
        yield* Deferred.await(wake)
        if (wasIdle && Duration.isGreaterThan(linger, Duration.zero) && events < options.maxBatchEvents)
          yield* Effect.sleep(linger)
        continue
      }
      if (!isUp()) {
        // Queued callers keep waiting until their deadline (the sweeper answers them); the log may come back before it.
        yield* whenUp
        continue
      }
      const { batch, parts } = take()
      if (batch.length === 0) continue
      inFlight += 1
      yield* Effect.forkChild(flush(batch, parts))
    }
  })

  /** Every 50 ms: answers "timeout" to the callers whose deadline passed (deadlines are in arrival order). */
  const sweep = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    while (deadlineHead < byDeadline.length) {
      const entry = byDeadline[deadlineHead] as Entry
      if (!entry.settled && entry.deadline > now) break
      deadlineHead += 1
      if (!entry.settled)
        settle(entry, Exit.fail(unavailable("timeout", "Kafka did not acknowledge in time; retry later")))
    }
    if (deadlineHead > 1024 && deadlineHead * 2 > byDeadline.length) {
      byDeadline.splice(0, deadlineHead)
      deadlineHead = 0
    }
  }).pipe(Effect.repeat(Schedule.spaced("50 millis")))

  const flusher = yield* Effect.forkDetach(loop)
  const sweeper = yield* Effect.forkDetach(sweep)

  yield* Effect.addFinalizer(() =>
    Effect.gen(function* () {
      closed = true
      if (events > 0 || inFlight > 0) {
        yield* Effect.logInfo("flushing accepted events before exit").pipe(Effect.annotateLogs({ events }))
        yield* Deferred.await(idle).pipe(Effect.timeout(ackTimeout), Effect.ignore)
      }
      yield* Fiber.interrupt(flusher)
      yield* Fiber.interrupt(sweeper)
      for (let i = head; i < entries.length; i++)
        settle(entries[i] as Entry, Exit.fail(unavailable("closed", "shutting down")))
    })
  )

  const offer = (messages: ReadonlyArray<OutMessage>): Effect.Effect<void, PinLogWriteError> =>
    Effect.clockWith((clock) => {
      if (messages.length === 0) return Effect.void
      if (closed) return Effect.fail(unavailable("closed", "the server is shutting down; retry on another instance"))
      if (!isUp()) return Effect.fail(unavailable("down", "Kafka is unreachable; retry later"))
      const sizes = messages.map(byteLength)
      let size = 0
      for (const s of sizes) size += s
      // a write the empty queue could not hold would be refused as "overloaded" forever: say so now
      if (messages.length > options.maxQueueEvents || size > options.maxQueueBytes) {
        return Effect.fail(
          new PinLogRefused({
            reason: "request_too_large",
            message: `the request needs ${messages.length} messages (${size} bytes) in the queue in front of Kafka, which holds at most ${options.maxQueueEvents} (${options.maxQueueBytes} bytes); split it`
          })
        )
      }
      if (events + messages.length > options.maxQueueEvents || bytes + size > options.maxQueueBytes) {
        return Effect.fail(unavailable("overloaded", "the queue in front of Kafka is full; retry later"))
      }
      const entry: Entry = {
        messages,
        sizes,
        count: messages.length,
        deferred: Deferred.makeUnsafe<void, PinLogWriteError>(),
        deadline: clock.currentTimeMillisUnsafe() + Duration.toMillis(ackTimeout),
        next: 0,
        acked: 0,
        settled: false
      }
      entries.push(entry)
      byDeadline.push(entry)
      events += messages.length
      bytes += size
      signalWake()
      return Deferred.await(entry.deferred).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => settle(entry, Exit.fail(unavailable("closed", "the request was cancelled"))))
        )
      )
    })

  return { offer, depth: () => ({ events, bytes }) } satisfies Batcher
})
