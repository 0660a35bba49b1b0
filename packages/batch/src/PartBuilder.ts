/**
 * Groups archive lines into parts, per partition and day, each at most `maxBytes` of NDJSON (before
 * compression; a single larger line gets a part of its own). Splitting depends only on the lines in
 * order, so the same messages always make the same parts with the same names. Each open part writes its
 * lines into a sink as they come (in production a gzip stream, so only compressed bytes are held). Used
 * linearly, like the domain's accumulator: `add` returns a part when one is full, `flush` the rest.
 */
import { partKey } from "./ArchiveLayout.ts"

/** Where an open part's lines go; `close` yields the part's content. */
export interface PartSink<C> {
  readonly add: (line: string) => void
  readonly close: () => C
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

const close = <C>(open: Open<C>): Part<C> => ({
  key: partKey(open.day, open.partition, open.firstOffset, open.lastOffset),
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

export class PartBuilder<C> {
  readonly #maxBytes: number
  readonly #openSink: () => PartSink<C>
  readonly #open = new Map<string, Open<C>>()

  constructor(maxBytes: number, openSink: () => PartSink<C>) {
    this.#maxBytes = Math.max(1, maxBytes)
    this.#openSink = openSink
  }

  /** Adds a line (offsets of one partition must arrive in increasing order); returns a part it closed. */
  add(partition: number, offset: number, day: string | null, line: string): Part<C> | undefined {
    const groupKey = `${partition}\u0000${day ?? ""}`
    const size = Buffer.byteLength(line, "utf8") + 1
    const open = this.#open.get(groupKey)
    if (open !== undefined && open.bytes + size <= this.#maxBytes) {
      open.sink.add(line)
      open.lastOffset = offset
      open.events += 1
      open.bytes += size
      return undefined
    }
    const sink = this.#openSink()
    sink.add(line)
    this.#open.set(groupKey, { day, partition, firstOffset: offset, lastOffset: offset, events: 1, bytes: size, sink })
    return open === undefined ? undefined : close(open)
  }

  /** Closes every open part, in partition then day order. */
  flush(): ReadonlyArray<Part<C>> {
    const parts = [...this.#open.values()]
      .sort((a, b) => a.partition - b.partition || (a.day ?? "").localeCompare(b.day ?? ""))
      .map(close)
    this.#open.clear()
    return parts
  }
}
