/**
 * Step 1 of a run: copy the `pins` topic to the archive. The consumer group `pinflow-archive` reads every
 * partition up to the end offsets taken when the step starts; lines are grouped per partition and UTC
 * day into size-capped gzip NDJSON parts with deterministic names; offsets are committed only after every
 * upload succeeded. A re-run after a crash reads the same messages again and overwrites the same names;
 * the one part whose tail grew since (the last of a partition and day) replaces the shorter one it left.
 */
import {
  AnalyticsStore,
  type AnalyticsStoreError,
  type BatchReject,
  listAll,
  ObjectStore,
  type ObjectStoreError,
  PinSource,
  type PinSourceError,
  type SourceRecord
} from "@pinflow/adapters"
import type { EventTypeName } from "@pinflow/domain"
import { Effect, type Scope, Stream } from "effect"
import { parseKey, partitionPrefix } from "./ArchiveLayout.ts"
import { toArchiveLine } from "./ArchiveLine.ts"
import { archiveRootOf, BatchSettings } from "./BatchSettings.ts"
import { gzipSink } from "./NdjsonGzip.ts"
import { type Part, PartBuilder } from "./PartBuilder.ts"

export interface ArchiveSummary {
  /** Messages read from the topic (dated and unreadable). */
  readonly events: number
  /** Messages without a readable `ingested_at`, kept under `raw/pins/unreadable/` and recorded as rejects. */
  readonly unreadable: number
  readonly objects: number
  /** Compressed bytes uploaded. */
  readonly bytes: number
  /** NDJSON bytes before compression. */
  readonly rawBytes: number
  /** Days that received parts, ascending. */
  readonly days: ReadonlyArray<string>
  /** Parts a crashed earlier run left, replaced by longer ones now. */
  readonly replaced: number
  /** Messages delivered again within the run (after a consumer rejoin), ignored. */
  readonly redelivered: number
}

const progressEvery = 100_000

interface Group {
  readonly day: string | null
  readonly partition: number
  firstOffset: number
  lastOffset: number
  readonly keys: Set<string>
}

/** `eventType`: the type of `settings.topic`'s events, recorded on its rejects. */
export const archive = Effect.fn("Batch.archive")(function* (
  eventType: EventTypeName
): Effect.fn.Return<
  ArchiveSummary,
  PinSourceError | ObjectStoreError | AnalyticsStoreError,
  PinSource | ObjectStore | AnalyticsStore | BatchSettings | Scope.Scope
> {
  const settings = yield* BatchSettings
  const source = yield* PinSource
  const store = yield* ObjectStore
  const analytics = yield* AnalyticsStore

  const consumption = yield* source.readToEnd({ group: settings.group, topics: [settings.topic] })
  const builder = new PartBuilder(settings.partMaxBytes, () => gzipSink(settings.gzipLevel), archiveRootOf(settings))
  /** The last record read per partition: what gets committed at the end. */
  const lastRead = new Map<string, SourceRecord>()
  const groups = new Map<string, Group>()
  const totals = { events: 0, unreadable: 0, objects: 0, bytes: 0, rawBytes: 0, redelivered: 0 }
  let nextProgress = progressEvery

  /** Lines of one pull of records: returns the parts they closed; unreadable messages become rejects. */
  const take = (records: ReadonlyArray<SourceRecord>) =>
    Effect.gen(function* () {
      const closed: Array<Part<Effect.Effect<Uint8Array>>> = []
      const rejects: Array<BatchReject> = []
      let fresh = 0
      for (const record of records) {
        // re-delivered after a rejoin: archived already in this run
        if (builder.isRepeat(record.partition, record.offset)) continue
        fresh += 1
        lastRead.set(`${record.topic}\u0000${record.partition}`, record)
        const line = toArchiveLine(record)
        const day = line._tag === "Dated" ? line.day : null
        if (line._tag === "Unreadable") {
          rejects.push({
            event_type: eventType,
            reason: line.reason,
            detail: line.detail,
            raw: record.value,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset
          })
        }
        for (const part of builder.add(record.partition, record.offset, day, line.line)) closed.push(part)
      }
      // wait for the gzip streams to compress what they were given: only compressed bytes are held
      yield* Effect.promise(() => builder.settled())
      totals.events += fresh
      totals.redelivered += records.length - fresh
      totals.unreadable += rejects.length
      if (rejects.length > 0) yield* analytics.writeRejects(rejects)
      if (totals.events >= nextProgress) {
        nextProgress += progressEvery
        yield* Effect.logInfo("archive: reading").pipe(
          Effect.annotateLogs({ events: totals.events, objects: totals.objects, bytes: totals.bytes })
        )
      }
      return closed
    })

  const upload = (part: Part<Effect.Effect<Uint8Array>>) =>
    Effect.gen(function* () {
      const body = yield* part.content
      yield* store.put(part.key, body, { contentType: "application/gzip" })
      totals.objects += 1
      totals.bytes += body.length
      totals.rawBytes += part.bytes
      const groupKey = `${part.partition}\u0000${part.day ?? ""}`
      const group = groups.get(groupKey)
      if (group === undefined)
        groups.set(groupKey, {
          day: part.day,
          partition: part.partition,
          firstOffset: part.firstOffset,
          lastOffset: part.lastOffset,
          keys: new Set([part.key])
        })
      else {
        group.firstOffset = Math.min(group.firstOffset, part.firstOffset)
        group.lastOffset = Math.max(group.lastOffset, part.lastOffset)
        group.keys.add(part.key)
      }
      yield* Effect.logDebug("archive: part written").pipe(
        Effect.annotateLogs({ key: part.key, events: part.events, bytes: body.length })
      )
    })

  yield* consumption.records.pipe(
    Stream.chunks,
    Stream.mapEffect(take),
    Stream.concat(Stream.suspend(() => Stream.succeed(builder.flush()))),
    Stream.flattenIterable,
    Stream.mapEffect(upload, { concurrency: settings.uploadConcurrency, unordered: true }),
    Stream.runDrain
  )

  const replaced = yield* Effect.forEach([...groups.values()], removeStaleParts, { concurrency: 4 })

  if (lastRead.size > 0) {
    const result = yield* consumption.commit([...lastRead.values()])
    if (result.skipped.length > 0)
      yield* Effect.logWarning("archive: partitions reassigned during the run; they are archived again next run").pipe(
        Effect.annotateLogs({
          partitions: result.skipped
            .map((o: { topic: string; partition: number }) => `${o.topic}/${o.partition}`)
            .join(",")
        })
      )
  }
  const days = [...new Set([...groups.values()].flatMap((g) => (g.day === null ? [] : [g.day])))].sort()
  return { ...totals, days, replaced: replaced.reduce((a, b) => a + b, 0) } satisfies ArchiveSummary
}, Effect.scoped)

/**
 * Deletes parts of the group's partition and day that lie inside the offsets just archived but were not
 * written now: leftovers of a run that crashed before committing (its last part ended earlier).
 */
const removeStaleParts = (group: Group) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore
    const root = archiveRootOf(yield* BatchSettings)
    const listed = yield* Stream.runCollect(listAll(store, partitionPrefix(group.day, group.partition, root)))
    const stale = listed.flatMap((info) => {
      const parsed = parseKey(info.key, undefined, root)
      return parsed?._tag === "Part" &&
        parsed.partition === group.partition &&
        parsed.firstOffset >= group.firstOffset &&
        parsed.lastOffset <= group.lastOffset &&
        !group.keys.has(parsed.key)
        ? [parsed.key]
        : []
    })
    yield* Effect.forEach(stale, (key) => store.delete(key), { discard: true })
    if (stale.length > 0)
      yield* Effect.logInfo("archive: replaced parts of an interrupted run").pipe(
        Effect.annotateLogs({ deleted: stale.join(",") })
      )
    return stale.length
  })
