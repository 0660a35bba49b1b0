/**
 * Groups archive lines into parts, per partition and day, each at most `maxBytes` of NDJSON (before
 * compression; a single larger line gets a part of its own). Splitting depends only on the lines in
 * order, so the same messages always make the same parts with the same names. Used linearly, like the
 * domain's accumulator: `add` returns a part when one is full, `flush` the rest.
 */
import { partKey } from "./ArchiveLayout.ts"

export interface Part {
  readonly key: string
  readonly day: string | null
  readonly partition: number
  readonly firstOffset: number
  readonly lastOffset: number
  readonly lines: ReadonlyArray<string>
  /** NDJSON bytes: every line plus its "\n". */
  readonly bytes: number
}

interface Open {
  readonly day: string | null
  readonly partition: number
  readonly firstOffset: number
  lastOffset: number
  readonly lines: Array<string>
  bytes: number
}

const close = (open: Open): Part => ({
  key: partKey(open.day, open.partition, open.firstOffset, open.lastOffset),
  day: open.day,
  partition: open.partition,
  firstOffset: open.firstOffset,
  lastOffset: open.lastOffset,
  lines: open.lines,
  bytes: open.bytes
})

export class PartBuilder {
  readonly #maxBytes: number
  readonly #open = new Map<string, Open>()

  constructor(maxBytes: number) {
    this.#maxBytes = Math.max(1, maxBytes)
  }

  /** Adds a line (offsets of one partition must arrive in increasing order); returns a part it closed. */
  add(partition: number, offset: number, day: string | null, line: string): Part | undefined {
    const groupKey = `${partition}\u0000${day ?? ""}`
    const size = Buffer.byteLength(line, "utf8") + 1
    const open = this.#open.get(groupKey)
    if (open !== undefined && open.bytes + size <= this.#maxBytes) {
      open.lines.push(line)
      open.lastOffset = offset
      open.bytes += size
      return undefined
    }
    this.#open.set(groupKey, { day, partition, firstOffset: offset, lastOffset: offset, lines: [line], bytes: size })
    return open === undefined ? undefined : close(open)
  }

  /** Closes every open part, in partition then day order. */
  flush(): ReadonlyArray<Part> {
    const parts = [...this.#open.values()]
      .sort((a, b) => a.partition - b.partition || (a.day ?? "").localeCompare(b.day ?? ""))
      .map(close)
    this.#open.clear()
    return parts
  }
}
