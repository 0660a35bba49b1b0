/**
 * Step 2 of a run, for one UTC day D: read back every object of the day (our gzip NDJSON parts, and the
 * original design's per-event `<uuid>.json` objects), clean each event with the domain's rules, stage the clean
 * pins in the database in reading order and let it aggregate them (`BATCH_AGGREGATION=database`: the batch
 * holds a few thousand pins at a time, whatever the size of the day) — or, as before, aggregate with the
 * domain's accumulator in memory (one entry per pin) — then replace D's rows of the daily tables in one
 * transaction. Rejects go to `pin_rejects` (source `batch`, located by object and
 * line, so a re-run adds none). Ends with the reconciliation against what the stream worker landed.
 *
 * Total per line and per object: cleaning that throws, a pin whose facts cannot be aggregated, a daily row
 * the database refuses, and an object that cannot be decompressed each become rejects of their own (an
 * unreadable object is recorded at line 0, and retention keeps it); only an outage fails the day.
 *
 * Reading order decides which repeat of a pin wins: legacy objects first (they predate the archive),
 * then parts by partition and offset, as Kafka ordered them.
 */
import { createHash } from "node:crypto"
import { gunzipSync } from "node:zlib"
import {
  AnalyticsStore,
  type AnalyticsStoreError,
  type BatchReject,
  listAll,
  type ObjectInfo,
  ObjectStore,
  ObjectStoreError,
  type RefusedAggregate,
  type RefusedStagedPin,
  type StagedPin
} from "@pinflow/adapters"
import {
  accumulate,
  aggregates,
  type CleanOutcome,
  cleanLoggedPin,
  cleanLoggedPinLine,
  type DailyAggregates,
  type DatedPin,
  emptyAccumulator,
  parseJson,
  stringifyJson,
  utcDay
} from "@pinflow/domain"
import { Effect, Fiber, Result, Stream } from "effect"
import { aggregatablePin, cleanTotal } from "./AggregatablePin.ts"
import { type ArchivedObject, byPartitionAndOffset, dayPrefix, parseKey } from "./ArchiveLayout.ts"
import { archiveRootOf, BatchSettings } from "./BatchSettings.ts"
import { ndjsonLines } from "./NdjsonGzip.ts"

export interface ProcessSummary {
  readonly objects: number
  readonly legacyObjects: number
  /** Listed (stored) bytes of the objects read. */
  readonly bytes: number
  /** Events read back (lines of parts, events of legacy objects). */
  readonly events: number
  /** Distinct clean pins of the day: what the daily tables count. */
  readonly pins: number
  readonly rejects: number
  /** Objects that could not be decompressed (each recorded as a reject at line 0; retention keeps them). */
  readonly unreadableObjects: number
  /** Daily rows the database refused for their content (each recorded as an `unstorable` reject). */
  readonly refusedRows: number
  readonly categories: number
  readonly tags: number
  /** Rows of `pins` for the day, and `pins - landed`: positive = the stream lost pins the archive has. */
  readonly landed: number
  readonly gap: number
  /**
   * When the newest object read was created (the store's clock, whole milliseconds); null when none was.
   * Objects of the day created later were not read: retention keeps them, the next run processes them.
   */
  readonly readThrough: number | null
}

/** An object's creation time in whole milliseconds, as `readThrough` and retention compare it. */
export const createdMs = (info: ObjectInfo): number => Math.floor(info.created)

type Source = { readonly info: ObjectInfo; readonly object: ArchivedObject }

const rejectFlushSize = 500
/** Pins per staging statement: ~1 MB of parameters, few enough statements for a million pins. */
const stageChunkSize = 10_000
const progressEvery = 100_000

/** The day's objects in reading order. */
const objectsOfDay = (day: string) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const settings = yield* BatchSettings
    const root = archiveRootOf(settings)
    const inFolder = (yield* Stream.runCollect(listAll(store, dayPrefix(day, root)))).flatMap((info): Array<Source> => {
      const object = parseKey(info.key, undefined, root)
      return object !== undefined && object.day === day ? [{ info, object }] : []
    })
    const legacyPrefix = settings.legacyPrefix
    const elsewhere =
      legacyPrefix === undefined
        ? []
        : (yield* Stream.runCollect(listAll(store, legacyPrefix))).flatMap((info): Array<Source> => {
            const object = parseKey(info.key, legacyPrefix, root)
            // Outside day folders, a legacy object's day is the UTC day it was written.
            return object?._tag === "Legacy" &&
              object.day === null &&
              utcDay(new Date(info.created).toISOString()) === day
              ? [{ info, object }]
              : []
          })
    const legacy = [...elsewhere, ...inFolder.filter((s) => s.object._tag === "Legacy")].sort(
      (a, b) => a.info.created - b.info.created || a.info.key.localeCompare(b.info.key)
    )
    const parts = inFolder
      .flatMap((s) => (s.object._tag === "Part" ? [{ source: s, part: s.object }] : []))
      .sort((a, b) => byPartitionAndOffset(a.part, b.part))
      .map((p) => p.source)
    return [...legacy, ...parts]
  })

/** Legacy objects hold one posted event (or, leniently, an array of them), maybe without `ingested_at`. */
const legacyEvents = (
  text: string,
  stamp: string
): ReadonlyArray<{ readonly raw: string; readonly clean: () => CleanOutcome }> => {
  const parsed = parseJson(text)
  if (Result.isFailure(parsed))
    return [{ raw: text, clean: () => Result.fail({ reason: "invalid_json", detail: parsed.failure }) }]
  const values = Array.isArray(parsed.success) ? parsed.success : [parsed.success]
  return values.map((value: unknown) => {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return { raw: stringifyJson(value), clean: () => cleanLoggedPin(value) }
    // personal data never reaches the database, not even inside a reject
    const { poster_name: _dropped, ...event } = value as Record<string, unknown>
    const stamped = typeof event.ingested_at === "string" ? event : { ...event, ingested_at: stamp }
    return { raw: stringifyJson(event), clean: () => cleanLoggedPin(stamped) }
  })
}

/** A refused daily row as a reject: located by table, day and a digest of its key, so a re-run adds none. */
const refusedReject = (day: string, refused: RefusedAggregate): BatchReject => {
  const key = refused.table === "daily_tag_counts" ? refused.row.tag : refused.row.category
  return {
    reason: "unstorable",
    detail: `${refused.table} row refused by the database: ${refused.error}`,
    raw: stringifyJson(refused.row),
    object_key: `${refused.table}/dt=${day}/${createHash("sha256").update(key).digest("hex")}`,
    line: 0
  }
}

/** A staged pin the database refused (not expected: see `stagePins`), as a reject located by its reading order. */
const refusedStagedReject = (day: string, refused: RefusedStagedPin): BatchReject => ({
  reason: "unstorable",
  detail: `pin refused by the database when staged for aggregation: ${refused.error}`,
  unique_id: refused.pin.unique_id,
  raw: stringifyJson(refused.pin),
  object_key: `batch_staged_pins/dt=${day}`,
  line: refused.pin.seq
})

/** Where the day's aggregatable pins go, and what they add up to once all were added. */
interface PinSink {
  readonly add: (pin: DatedPin) => void
  /** Called after each chunk of lines: may write what was added so far. */
  readonly afterChunk: Effect.Effect<void, AnalyticsStoreError>
  readonly finish: Effect.Effect<
    { readonly aggregates: DailyAggregates; readonly pins: number; readonly refused: ReadonlyArray<BatchReject> },
    AnalyticsStoreError
  >
}

/** The domain's accumulator in this process: one entry per distinct pin of the day. */
const memorySink = (): PinSink => {
  const accumulator = emptyAccumulator()
  // A day holds a few hundred distinct categories and tags but up to millions of pins: the accumulator
  // keeps one shared copy of each such string instead of one per pin.
  const shared = new Map<string, string>()
  const intern = (text: string): string => {
    const known = shared.get(text)
    if (known !== undefined) return known
    shared.set(text, text)
    return text
  }
  return {
    add: (pin) => {
      accumulate(accumulator, {
        ...pin,
        category: pin.category === null ? null : intern(pin.category),
        tags: pin.tags.map(intern)
      })
    },
    afterChunk: Effect.void,
    finish: Effect.sync(() => ({ aggregates: aggregates(accumulator), pins: accumulator.latest.size, refused: [] }))
  }
}

/**
 * Pins staged in the database in chunks, one statement in flight while the next chunk is read; the
 * database keeps each pin's latest version (`seq` = reading order breaks ties) and aggregates.
 */
const databaseSink = (day: string) =>
  Effect.gen(function* () {
    const analytics = yield* AnalyticsStore
    yield* analytics.clearStaged
    let buffer: Array<StagedPin> = []
    let seq = 0
    let inFlight: Fiber.Fiber<ReadonlyArray<RefusedStagedPin>, AnalyticsStoreError> | undefined
    const refused: Array<RefusedStagedPin> = []
    const settle = Effect.suspend(() => {
      const fiber = inFlight
      inFlight = undefined
      return fiber === undefined
        ? Effect.void
        : Effect.map(Fiber.join(fiber), (r) => {
            for (const pin of r) refused.push(pin)
          })
    })
    const send = Effect.suspend(() => {
      const chunk = buffer
      buffer = []
      return Effect.andThen(
        settle,
        chunk.length === 0
          ? Effect.void
          : Effect.map(Effect.forkChild(analytics.stagePins(chunk)), (fiber) => {
              inFlight = fiber
            })
      )
    })
    return {
      add: (pin) => {
        seq += 1
        buffer.push({ ...pin, seq })
      },
      afterChunk: Effect.suspend(() => (buffer.length >= stageChunkSize ? send : Effect.void)),
      finish: Effect.gen(function* () {
        yield* send
        yield* settle
        yield* Effect.logInfo("process: pins staged, aggregating in the database").pipe(
          Effect.annotateLogs({ day, staged: seq })
        )
        const staged = yield* analytics.aggregateStaged(day)
        // scratch space: a day's pins are not kept once aggregated (a failed day's are emptied next time)
        yield* analytics.clearStaged
        return { ...staged, refused: refused.map((r) => refusedStagedReject(day, r)) }
      })
    } satisfies PinSink
  })

export const processDay = Effect.fn("Batch.process")(function* (
  day: string
): Effect.fn.Return<
  ProcessSummary,
  ObjectStoreError | AnalyticsStoreError,
  ObjectStore | AnalyticsStore | BatchSettings
> {
  const store = yield* ObjectStore
  const analytics = yield* AnalyticsStore
  const settings = yield* BatchSettings
  const sources = yield* objectsOfDay(day)
  yield* Effect.logInfo("process: reading the day back").pipe(Effect.annotateLogs({ day, objects: sources.length }))

  const sink = settings.aggregation === "memory" ? memorySink() : yield* databaseSink(day)
  const totals = { objects: 0, legacyObjects: 0, bytes: 0, events: 0, rejects: 0, unreadableObjects: 0 }
  let pending: Array<BatchReject> = []
  let nextProgress = progressEvery
  const flushRejects = Effect.suspend(() => {
    const batch = pending
    pending = []
    return batch.length === 0 ? Effect.void : analytics.writeRejects(batch)
  })

  /** Cleans one event and accumulates it, or queues its reject; never throws. */
  const take = (clean: () => CleanOutcome, raw: string, key: string, line: number, partition: number | undefined) => {
    totals.events += 1
    const outcome = Result.flatMap(cleanTotal(clean), (pin) => aggregatablePin(pin, day))
    if (Result.isSuccess(outcome)) {
      sink.add(outcome.success)
      return
    }
    totals.rejects += 1
    const rejection = outcome.failure
    pending.push({
      reason: rejection.reason,
      detail: rejection.detail,
      unique_id: rejection.unique_id,
      raw,
      object_key: key,
      line,
      ...(partition === undefined ? {} : { topic: settings.topic, partition })
    })
  }

  const afterChunk = Effect.gen(function* () {
    yield* sink.afterChunk
    if (pending.length >= rejectFlushSize) yield* flushRejects
    if (totals.events >= nextProgress) {
      nextProgress += progressEvery
      yield* Effect.logInfo("process: reading").pipe(
        Effect.annotateLogs({ day, events: totals.events, objects: `${totals.objects}/${sources.length}` })
      )
    }
  })

  /** Reads one object's events into `take`; fails only when the store cannot be reached. */
  const readObject = (info: ObjectInfo, object: ArchivedObject, read: { line: number }) =>
    object._tag === "Part"
      ? ndjsonLines(info.key, store.stream(info.key), true).pipe(
          Stream.runForEachArray((lines) => {
            for (const text of lines)
              take(() => cleanLoggedPinLine(text), text, info.key, ++read.line, object.partition)
            return afterChunk
          })
        )
      : Effect.gen(function* () {
          const text = new TextDecoder().decode(yield* store.get(info.key))
          const created = new Date(info.created).toISOString()
          const stamp = utcDay(created) === day ? created : `${day}T00:00:00.000Z`
          for (const e of legacyEvents(text, stamp)) take(e.clean, e.raw, info.key, ++read.line, undefined)
          totals.legacyObjects += 1
          yield* afterChunk
        })

  const read: Array<ObjectInfo> = []
  for (const { info, object } of sources) {
    const progress = { line: 0 }
    const found = yield* readObject(info, object, progress).pipe(
      Effect.as(true),
      Effect.catchTags({
        // Listed, then deleted before it was read (a stale part replaced): nothing of it to count.
        ObjectNotFound: () =>
          Effect.logWarning("process: object vanished before it was read").pipe(
            Effect.annotateLogs({ key: info.key }),
            Effect.as(false)
          ),
        // Not gzip, or cut short: its readable lines were taken; the object itself is recorded and kept.
        ArchiveDecodeError: (error) =>
          Effect.gen(function* () {
            // A download cut short looks like a damaged object: read it whole once more to tell them apart.
            const whole = yield* store.get(info.key).pipe(Effect.catchTag("ObjectNotFound", () => Effect.succeed(null)))
            if (whole === null) return false
            if (Result.isSuccess(Result.try(() => gunzipSync(whole))))
              return yield* Effect.fail(new ObjectStoreError({ operation: "stream", key: info.key, cause: error }))
            totals.unreadableObjects += 1
            totals.rejects += 1
            pending.push({
              reason: "invalid_json",
              detail: `unreadable object after ${progress.line} lines: ${error.message}`,
              raw: "",
              object_key: info.key,
              line: 0
            })
            yield* Effect.logWarning("process: unreadable object kept and recorded as a reject").pipe(
              Effect.annotateLogs({ key: info.key, lines: progress.line, error: error.message })
            )
            return true
          })
      })
    )
    if (!found) continue
    read.push(info)
    totals.objects += 1
    totals.bytes += info.size
  }
  const finished = yield* sink.finish
  for (const reject of finished.refused) pending.push(reject)
  totals.rejects += finished.refused.length
  yield* flushRejects

  const result = finished.aggregates
  const refused = yield* analytics.replaceDay(day, result)
  if (refused.length > 0) {
    yield* analytics.writeRejects(refused.map((r) => refusedReject(day, r)))
    totals.rejects += refused.length
    yield* Effect.logWarning("process: daily rows refused by the database, recorded as rejects").pipe(
      Effect.annotateLogs({ day, rows: refused.length })
    )
  }
  const landed = yield* analytics.landedPins(day)
  const pins = finished.pins
  return {
    ...totals,
    refusedRows: refused.length,
    readThrough: read.reduce<number | null>((newest, info) => Math.max(newest ?? 0, createdMs(info)), null),
    pins,
    categories: result.categories.length,
    tags: result.tags.length,
    landed,
    gap: pins - landed
  } satisfies ProcessSummary
})
