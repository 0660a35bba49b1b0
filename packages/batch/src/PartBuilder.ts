/**
 * Groups archive lines into parts, per partition and day, each at most `maxBytes` of NDJSON (before
 * compression; a single larger line gets a part of its own). Splitting depends only on the lines in
 * order, so the same messages always make the same parts with the same names. Each open part writes its
 * lines into a sink as they come (in production a gzip stream, so only compressed bytes are held). Used
 * linearly, like the domain's accumulator: `add` returns the parts it closed, `flush` the rest.
 *
 * A partition's days only move forward (give or take events stamped just before midnight): when its
 * lines reach a later day, its parts of earlier days are closed, so a first run or a catch-up over many
 * days holds about one open part per partition, not one per partition and day. A late line of an earlier
 * day opens a part of its own, closed when the partition's day moves on again.
 *
 * A consumer that rejoins its group may be handed offsets it already delivered: a message at an offset no
 * later than the last one added for its partition is ignored (`isRepeat`), so every part is named
 * first ≤ last and no two parts of a run overlap.
 */
import { archiveRoot, partKey } from "./ArchiveLayout.ts"

/** Where an open part's lines go; `close` yields the part's content. */
export interface PartSink<C> {
  readonly add: (line: string) => void
  readonly close: () => C
  /** Resolves once the sink has caught up with what was added (absent: it always has). */
  readonly settled?: () => Promise<void>
}

export interface Part<C> {
  readonly key: string
  readonly day: string | null
  readonly partition: number
  readonly firstOffset: number
  readonly lastOffset: number
  readonly events: number
  /** NDJSON bytes: every line plus its "\n". */
  readonly bytes: number
  readonly content: C
}

interface Open<C> {
  readonly day: string | null
  readonly partition: number
  readonly firstOffset: number
  lastOffset: number
  events: number
  bytes: number
  readonly sink: PartSink<C>
}

const close = <C>(open: Open<C>, root: string): Part<C> => ({
  key: partKey(open.day, open.partition, open.firstOffset, open.lastOffset, root),
  day: open.day,
  partition: open.partition,
  firstOffset: open.firstOffset,
  lastOffset: open.lastOffset,
  events: open.events,
  bytes: open.bytes,
  content: open.sink.close()
})

/** A sink that keeps the lines (tests, small runs). */
export const linesSink = (): PartSink<ReadonlyArray<string>> => {
  const lines: Array<string> = []
  return { add: (line) => void lines.push(line), close: () => lines }
}

const none: ReadonlyArray<never> = []

export class PartBuilder<C> {
  readonly #maxBytes: number
  readonly #openSink: () => PartSink<C>
  /** The archive root the parts' keys are under. */
  readonly #root: string
  readonly #open = new Map<string, Open<C>>()
  /** The latest day each partition's lines reached. */
  readonly #latestDay = new Map<number, string>()
  /** The last offset added per partition in this run (kept across `flush`). */
  readonly #lastOffset = new Map<number, number>()

  constructor(maxBytes: number, openSink: () => PartSink<C>, root: string = archiveRoot) {
    this.#maxBytes = Math.max(1, maxBytes)
    this.#openSink = openSink
    this.#root = root
  }

  /** Whether `offset` was already added for `partition` (or an offset after it was): a re-delivery. */
  isRepeat(partition: number, offset: number): boolean {
    const last = this.#lastOffset.get(partition)
    return last !== undefined && offset <= last
  }

  /** Adds a line; returns the parts it closed. A re-delivered offset (`isRepeat`) is ignored. */
  add(partition: number, offset: number, day: string | null, line: string): ReadonlyArray<Part<C>> {
    if (this.isRepeat(partition, offset)) return none
    this.#lastOffset.set(partition, offset)
    const earlier = day === null ? none : this.#advance(partition, day)
    const groupKey = `${partition}\u0000${day ?? ""}`
    const size = Buffer.byteLength(line, "utf8") + 1
    const open = this.#open.get(groupKey)
    if (open !== undefined && open.bytes + size <= this.#maxBytes) {
      open.sink.add(line)
      open.lastOffset = offset
      open.events += 1
      open.bytes += size
      return earlier
    }
    const sink = this.#openSink()
    sink.add(line)
    this.#open.set(groupKey, { day, partition, firstOffset: offset, lastOffset: offset, events: 1, bytes: size, sink })
    return open === undefined ? earlier : [...earlier, close(open, this.#root)]
  }

  /** Records that `partition` reached `day`; when that is a later day, closes its parts of earlier days. */
  #advance(partition: number, day: string): ReadonlyArray<Part<C>> {
    const latest = this.#latestDay.get(partition)
    if (latest !== undefined && day <= latest) return none
    this.#latestDay.set(partition, day)
    if (latest === undefined) return none
    const closed: Array<Open<C>> = []
    for (const [groupKey, open] of this.#open)
      if (open.partition === partition && open.day !== null && open.day < day) {
        closed.push(open)
        this.#open.delete(groupKey)
      }
    return closed.sort((a, b) => (a.day ?? "").localeCompare(b.day ?? "")).map((open) => close(open, this.#root))
  }

  /** Resolves once every open part's sink has caught up: what keeps uncompressed lines from piling up. */
  settled(): Promise<void> {
    const waits: Array<Promise<void>> = []
    for (const open of this.#open.values()) {
      const wait = open.sink.settled?.()
      if (wait !== undefined) waits.push(wait)
    }
    return Promise.all(waits).then(() => undefined)
  }

  /** Closes every open part, in partition then day order. */
  flush(): ReadonlyArray<Part<C>> {
    const parts = [...this.#open.values()]
      .sort((a, b) => a.partition - b.partition || (a.day ?? "").localeCompare(b.day ?? ""))
      .map((open) => close(open, this.#root))
    this.#open.clear()
    this.#latestDay.clear()
    return parts
  }
}
