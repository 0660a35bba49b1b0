/**
 * The consume loop: records → batches → rows (pure `toWriteBatch`) → one transaction per batch → offsets
 * committed after the write, in order. A batch is taken when a writer is free: everything read ahead by
 * then, up to `STREAM_BATCH_SIZE` (no window by default: an idle worker writes a lone record at once, a
 * busy one finds more waiting, so batches grow only under load). Postgres down or failing: the batch is retried
 * with capped exponential backoff while the source's bounded buffer fills and consumption pauses; nothing
 * is committed until the write succeeds. A row Postgres refuses is isolated and kept as a reject, so a
 * poison message never stalls a partition. On interruption (SIGTERM) the source stops, the batches in
 * flight are written and committed (within `STREAM_SHUTDOWN_TIMEOUT`), then the consumer leaves the group.
 */
import { PinSource, PinSourceError, type SourceRecord } from "@pinflow/adapters"
import { stringifyJson } from "@pinflow/domain"
import { Clock, Deferred, Duration, Effect, Fiber, Metric, Ref, Schedule, Stream } from "effect"
import { type RowOrigin, writeIsolating } from "./Isolation.ts"
import { markCommitted, markLag, markReleased, markStarted, markTaken, StreamHealth } from "./StreamHealth.ts"
import * as M from "./StreamMetrics.ts"
import { consumedTopics, StreamSettings } from "./StreamSettings.ts"
import { toWriteBatch } from "./Transform.ts"

/** Backoff between failed writes: 100 ms doubling, capped at 5 s, forever. */
export const writeRetrySchedule = Schedule.exponential("100 millis").pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(5))))
)

const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

const causeText = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** Transforms and stores one batch of records, retrying until it is stored; returns the records. */
export const writeRecords = Effect.fn("StreamWorker.write")(function* (records: ReadonlyArray<SourceRecord>) {
  const settings = yield* StreamSettings
  const batch = toWriteBatch(records, settings, yield* nowIso)
  // only a refused row needs its raw payload: look it up then, not for every batch
  const rawOf = (origin: RowOrigin, row: unknown) =>
    records.find((r) => r.topic === origin.topic && r.partition === origin.partition && r.offset === origin.offset)
      ?.value ?? stringifyJson(row)
  const started = yield* Clock.currentTimeMillis
  const result = yield* writeIsolating(batch, rawOf).pipe(
    // one attempt runs to its end even during shutdown: the transaction commits or rolls back, never half-way
    Effect.uninterruptible,
    Effect.tapError((error) =>
      Effect.logWarning("batch write failed, retrying").pipe(
        Effect.annotateLogs({ records: records.length, error: causeText(error.cause) }),
        Effect.andThen(Metric.update(M.writeRetries, 1))
      )
    ),
    Effect.retry(writeRetrySchedule)
  )
  const elapsed = (yield* Clock.currentTimeMillis) - started
  yield* Metric.update(M.writeLatency, elapsed / 1000)
  yield* Metric.update(M.batchSize, records.length)
  yield* Metric.update(M.pinsWritten, result.pins)
  for (const [type, written] of Object.entries(result.byType)) {
    const attributes = { event_type: type }
    yield* Metric.update(Metric.withAttributes(M.eventRowsWritten, attributes), written.rows)
    yield* Metric.update(Metric.withAttributes(M.rejectsWritten, attributes), written.rejects)
  }
  yield* Metric.update(M.eventsConsumed, records.length)
  return records
})

/**
 * Reads the group's lag from the broker (high watermarks minus committed offsets) every `lagInterval`, for
 * `pinflow_consumer_lag` and the stall check, and updates `pinflow_last_commit_age_seconds`. Independent of
 * what the consumer fetches, so a worker stuck on one batch still shows the records piling up behind it.
 */
const lagReadings = (group: string, topics: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const settings = yield* StreamSettings
    const source = yield* PinSource
    const deadline = Duration.max(settings.lagInterval, Duration.seconds(10))
    const reading = Effect.gen(function* () {
      const lags = yield* source.lag({ group, topics }).pipe(
        Effect.timeoutOrElse({
          duration: deadline,
          orElse: () =>
            Effect.fail(
              new PinSourceError({
                operation: "lag",
                cause: new Error(`no answer within ${Duration.format(deadline)}`)
              })
            )
        })
      )
      let total = 0
      for (const l of lags) {
        total += l.lag
        yield* Metric.update(
          Metric.withAttributes(M.consumerLag, { topic: l.topic, partition: String(l.partition) }),
          l.lag
        )
      }
      yield* markLag(total)
    }).pipe(
      Effect.catch((error) =>
        Effect.logWarning("could not read the consumer lag").pipe(Effect.annotateLogs({ error: error.message }))
      )
    )
    const age = Effect.gen(function* () {
      const { progress } = yield* StreamHealth
      const { lastCommitAt } = yield* Ref.get(progress)
      const now = yield* Clock.currentTimeMillis
      yield* Metric.update(M.lastCommitAge, Math.max(0, now - lastCommitAt) / 1000)
    })
    yield* Effect.andThen(reading, age).pipe(Effect.repeat(Schedule.spaced(settings.lagInterval)))
  })

/**
 * The batches of `records`. Without a window, each pull takes what the source's buffer holds at that moment
 * (its chunk: at least one record, all that arrived while the writers were busy), cut at `batchSize`;
 * the writers pull only when one of them is free, so nothing waits for a timer. With a window
 * (`STREAM_BATCH_WINDOW` > 0), the former fixed windows: a batch is written when full or that long after
 * its first record.
 */
export const batches = <E>(
  records: Stream.Stream<SourceRecord, E>,
  settings: { readonly batchSize: number; readonly batchBytes: number; readonly batchWindow: Duration.Duration }
): Stream.Stream<ReadonlyArray<SourceRecord>, E> =>
  (Duration.isZero(settings.batchWindow)
    ? records.pipe(Stream.chunks)
    : (Stream.groupedWithin(records, settings.batchSize, settings.batchWindow) as Stream.Stream<
        ReadonlyArray<SourceRecord>,
        E
      >)
  ).pipe(Stream.flatMap((chunk) => Stream.fromIterable(cut(chunk, settings.batchSize, settings.batchBytes))))

/**
 * `records` in order, cut where a batch would pass `batchSize` records or `batchBytes` characters of text,
 * whichever comes first; a record larger than `batchBytes` is a batch of one.
 */
export const cut = (
  records: ReadonlyArray<SourceRecord>,
  batchSize: number,
  batchBytes: number
): ReadonlyArray<ReadonlyArray<SourceRecord>> => {
  const out: Array<ReadonlyArray<SourceRecord>> = []
  let start = 0
  let bytes = 0
  for (const [i, record] of records.entries()) {
    const size = record.value.length
    if (i > start && (i - start >= batchSize || bytes + size > batchBytes)) {
      out.push(records.slice(start, i))
      start = i
      bytes = 0
    }
    bytes += size
  }
  if (start < records.length) out.push(start === 0 ? records : records.slice(start))
  return out
}

/** Runs the worker until `stop` completes, then drains what is in flight and returns. */
export const runWorker = (stop: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const settings = yield* StreamSettings
    const source = yield* PinSource
    const consumption = yield* source.subscribe({
      group: settings.group,
      topics: consumedTopics(settings),
      bufferSize: settings.bufferSize,
      bufferBytes: settings.bufferBytes,
      fetchMinBytes: settings.fetchMinBytes,
      fetchMaxWait: settings.fetchMaxWait
    })
    yield* markStarted
    yield* Effect.forkScoped(lagReadings(settings.group, consumedTopics(settings)))
    yield* Effect.logInfo("stream worker consuming").pipe(
      Effect.annotateLogs({
        group: settings.group,
        topics: consumedTopics(settings).join(","),
        batchSize: settings.batchSize,
        batchBytes: settings.batchBytes,
        batchWindow: Duration.format(settings.batchWindow)
      })
    )
    yield* batches(consumption.records.pipe(Stream.interruptWhen(Deferred.await(stop))), settings).pipe(
      Stream.tap(() => markTaken),
      Stream.mapEffect(writeRecords, { concurrency: settings.writeConcurrency }),
      Stream.mapEffect((records) =>
        consumption.commit(records).pipe(
          Effect.tap(() => markCommitted),
          Effect.tap((result) =>
            result.skipped.length === 0
              ? Effect.void
              : Effect.logInfo("not committing partitions lost in a rebalance").pipe(
                  Effect.annotateLogs({ partitions: result.skipped.map((s) => `${s.topic}/${s.partition}`).join(",") })
                )
          ),
          // written but not committed: a restart re-reads these records, and the upsert makes that harmless
          Effect.catch((error) =>
            Effect.logWarning("offset commit failed").pipe(Effect.annotateLogs({ error: error.message }))
          ),
          Effect.ensuring(markReleased)
        )
      ),
      Stream.runDrain
    )
  }).pipe(Effect.scoped)

/**
 * The worker until the program is interrupted (SIGTERM/SIGINT): then it stops consuming, finishes and
 * commits the batches in flight (or gives up after `STREAM_SHUTDOWN_TIMEOUT`: uncommitted records are not
 * lost, only re-read), and the consumer leaves the group. Fails when the worker does (e.g. the consumer
 * crashed for good), so the process exits non-zero and its supervisor restarts it.
 */
export const streamWorker = Effect.gen(function* () {
  const settings = yield* StreamSettings
  const stop = yield* Deferred.make<void>()
  const fiber = yield* Effect.forkDetach(runWorker(stop))
  return yield* Fiber.join(fiber).pipe(
    Effect.onInterrupt(() =>
      Effect.gen(function* () {
        yield* Effect.logInfo("stream worker stopping: finishing the batches in flight")
        yield* Deferred.succeed(stop, undefined)
        const done = yield* Fiber.await(fiber).pipe(Effect.timeoutOption(settings.shutdownTimeout))
        if (done._tag === "None") {
          yield* Effect.logWarning("shutdown timeout: batches in flight abandoned (they will be re-read)")
          yield* Fiber.interrupt(fiber)
        } else yield* Effect.logInfo("stream worker stopped")
      })
    )
  )
})
