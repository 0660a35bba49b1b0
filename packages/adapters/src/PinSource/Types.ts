/** The records, options, results and errors of the `PinSource` port (see `../PinSource.ts`). */
import { Data, type Duration, type Effect, type Scope, type Stream } from "effect"

export interface SourceRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: string
  /** Append time, epoch milliseconds. */
  readonly timestamp: number
  /** The partition's end offset when this record was fetched: lag = highWatermark - (offset + 1). */
  readonly highWatermark: number
  /** Which assignment of this member the record was read under (commits of lost partitions are skipped). */
  readonly generation: number
}

export interface SubscribeOptions {
  readonly group: string
  readonly topics: ReadonlyArray<string>
  /** Records buffered between the consumer and the stream's reader (default 4096). */
  readonly bufferSize?: number
  /**
   * Record text (characters of `value`) buffered at most, besides the count (default: unbounded); a record
   * larger than this is still handed over alone, so large records cannot exhaust the reader's heap.
   */
  readonly bufferBytes?: number
  /**
   * Following a live topic, a fetch is answered once this many bytes are there (default 1: at once) or after
   * `fetchMaxWait` (default 5 seconds). More bytes make fewer, fuller fetches under steady load; a shorter
   * wait bounds what that adds to latency, and costs an empty fetch per wait when idle.
   */
  readonly fetchMinBytes?: number
  readonly fetchMaxWait?: Duration.Duration
}

export interface CommittedOffset {
  readonly topic: string
  readonly partition: number
  /** The next offset the group will read. */
  readonly offset: number
}

export interface CommitResult {
  readonly committed: ReadonlyArray<CommittedOffset>
  /** Partitions not committed because this member no longer owns them. */
  readonly skipped: ReadonlyArray<CommittedOffset>
}

export interface Consumption {
  /** Consume once. Ends only in `readToEnd` mode (or when the consumer fails). */
  readonly records: Stream.Stream<SourceRecord, PinSourceError>
  readonly commit: (records: ReadonlyArray<SourceRecord>) => Effect.Effect<CommitResult, PinSourceError>
}

/** The log could not be reached or refused an operation; `operation` says which. */
export class PinSourceError extends Data.TaggedError("PinSourceError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `source ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** A partition's position as the broker reports it: its end offset and the group's committed offset. */
export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  /** The high watermark: the offset the next record appended will get. */
  readonly end: number
  /** The group's committed next offset; the partition's start when the group never committed. */
  readonly committed: number
  /** Records not yet committed by the group: `end - committed`. */
  readonly lag: number
}

export interface PinSourceService {
  readonly subscribe: (options: SubscribeOptions) => Effect.Effect<Consumption, PinSourceError, Scope.Scope>
  readonly readToEnd: (options: SubscribeOptions) => Effect.Effect<Consumption, PinSourceError, Scope.Scope>
  /** Asks the broker how far the group is behind the end of every partition of `topics` (one round trip). */
  readonly lag: (options: {
    readonly group: string
    readonly topics: ReadonlyArray<string>
  }) => Effect.Effect<ReadonlyArray<PartitionLag>, PinSourceError>
}

/** The highest offset + 1 of each partition among `records`, with the generation it was read under. */
export const nextOffsets = (
  records: ReadonlyArray<SourceRecord>
): ReadonlyArray<CommittedOffset & { readonly generation: number }> => {
  const last = new Map<string, CommittedOffset & { readonly generation: number }>()
  for (const r of records) {
    const key = `${r.topic}\u0000${r.partition}`
    const seen = last.get(key)
    if (seen === undefined || r.offset + 1 > seen.offset)
      last.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1, generation: r.generation })
  }
  return [...last.values()]
}
