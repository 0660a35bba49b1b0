/**
 * Step 2 of a run, for one UTC day D: read back every object of the day (our gzip NDJSON parts, and the
 * original design's per-event `<uuid>.json` objects), clean each event with the domain's rules, aggregate with
 * the domain's accumulator (one entry per pin: the raw day is never held), then replace D's rows of the
 * daily tables in one transaction. Rejects go to `pin_rejects` (source `batch`, located by object and
 * line, so a re-run adds none). Ends with the reconciliation against what the stream worker landed.
 *
 * Reading order decides which repeat of a pin wins: legacy objects first (they predate the archive),
 * then parts by partition and offset, as Kafka ordered them.
 */
import {
  AnalyticsStore,
  type AnalyticsStoreError,
  type BatchReject,
  listAll,
  type ObjectInfo,
  type ObjectNotFound,
  ObjectStore,
  type ObjectStoreError
} from "@pinflow/adapters"
import {
  accumulate,
  aggregates,
  type CleanOutcome,
  cleanLoggedPin,
  cleanLoggedPinLine,
  datedPin,
  emptyAccumulator,
  parseJson,
  utcDay
} from "@pinflow/domain"
import { Effect, Result, Stream } from "effect"
import { type ArchivedObject, byPartitionAndOffset, dayPrefix, parseKey } from "./ArchiveLayout.ts"
import { BatchSettings } from "./BatchSettings.ts"
import { type ArchiveDecodeError, ndjsonLines } from "./NdjsonGzip.ts"

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
const progressEvery = 100_000

/** The day's objects in reading order. */
const objectsOfDay = (day: string) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const settings = yield* BatchSettings
    const inFolder = (yield* Stream.runCollect(listAll(store, dayPrefix(day)))).flatMap((info): Array<Source> => {
      const object = parseKey(info.key)
      return object !== undefined && object.day === day ? [{ info, object }] : []
    })
    const legacyPrefix = settings.legacyPrefix
    const elsewhere =
      legacyPrefix === undefined
        ? []
        : (yield* Stream.runCollect(listAll(store, legacyPrefix))).flatMap((info): Array<Source> => {
            const object = parseKey(info.key, legacyPrefix)
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
): ReadonlyArray<{ readonly raw: string; readonly outcome: CleanOutcome }> => {
  const parsed = parseJson(text)
  if (Result.isFailure(parsed))
    return [{ raw: text, outcome: Result.fail({ reason: "invalid_json", detail: parsed.failure }) }]
  const values = Array.isArray(parsed.success) ? parsed.success : [parsed.success]
  return values.map((value: unknown) => {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return { raw: JSON.stringify(value), outcome: cleanLoggedPin(value) }
    // personal data never reaches the database, not even inside a reject
    const { poster_name: _dropped, ...event } = value as Record<string, unknown>
    const stamped = typeof event.ingested_at === "string" ? event : { ...event, ingested_at: stamp }
    return { raw: JSON.stringify(event), outcome: cleanLoggedPin(stamped) }
  })
}

export const processDay = Effect.fn("Batch.process")(function* (
  day: string
): Effect.fn.Return<
  ProcessSummary,
  ObjectStoreError | ObjectNotFound | ArchiveDecodeError | AnalyticsStoreError,
  ObjectStore | AnalyticsStore | BatchSettings
> {
  const store = yield* ObjectStore
  const analytics = yield* AnalyticsStore
  const settings = yield* BatchSettings
  const sources = yield* objectsOfDay(day)
  yield* Effect.logInfo("process: reading the day back").pipe(Effect.annotateLogs({ day, objects: sources.length }))

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
  const totals = { objects: 0, legacyObjects: 0, bytes: 0, events: 0, rejects: 0 }
  let pending: Array<BatchReject> = []
  let nextProgress = progressEvery
  const flushRejects = Effect.suspend(() => {
    const batch = pending
    pending = []
    return batch.length === 0 ? Effect.void : analytics.writeRejects(batch)
  })

  /** Cleans one event and accumulates it, or queues its reject. */
  const take = (outcome: CleanOutcome, raw: string, key: string, line: number, partition: number | undefined) => {
    totals.events += 1
    if (Result.isSuccess(outcome)) {
      const dated = datedPin(outcome.success)
      // The folder (or legacy object) says which day an event belongs to; parts only hold that day anyway.
      if (dated !== null)
        accumulate(accumulator, {
          ...dated,
          day,
          category: dated.category === null ? null : intern(dated.category),
          tags: dated.tags.map(intern)
        })
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
    if (pending.length >= rejectFlushSize) yield* flushRejects
    if (totals.events >= nextProgress) {
      nextProgress += progressEvery
      yield* Effect.logInfo("process: reading").pipe(
        Effect.annotateLogs({ day, events: totals.events, objects: `${totals.objects}/${sources.length}` })
      )
    }
  })

  for (const { info, object } of sources) {
    if (object._tag === "Part") {
      let line = 0
      yield* ndjsonLines(info.key, store.stream(info.key), true).pipe(
        Stream.runForEachArray((lines) => {
          for (const text of lines) take(cleanLoggedPinLine(text), text, info.key, ++line, object.partition)
          return afterChunk
        })
      )
    } else {
      const text = new TextDecoder().decode(yield* store.get(info.key))
      const created = new Date(info.created).toISOString()
      const stamp = utcDay(created) === day ? created : `${day}T00:00:00.000Z`
      for (const [i, e] of legacyEvents(text, stamp).entries()) take(e.outcome, e.raw, info.key, i + 1, undefined)
      totals.legacyObjects += 1
      yield* afterChunk
    }
    totals.objects += 1
    totals.bytes += info.size
  }
  yield* flushRejects

  const result = aggregates(accumulator)
  yield* analytics.replaceDay(day, result)
  const landed = yield* analytics.landedPins(day)
  const pins = accumulator.latest.size
  return {
    ...totals,
    readThrough: sources.reduce<number | null>((newest, s) => Math.max(newest ?? 0, createdMs(s.info)), null),
    pins,
    categories: result.categories.length,
    tags: result.tags.length,
    landed,
    gap: pins - landed
  } satisfies ProcessSummary
})
