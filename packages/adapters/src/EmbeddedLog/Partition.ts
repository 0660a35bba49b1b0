/**
 * One topic-partition of the embedded log: a folder of segment files named by the offset of their first
 * record. Only the byte position of each record is kept in memory; records are read back from the file.
 * Appends and reads are synchronous; `flush` and `trim` run on the log's single flusher fiber, the only
 * place a segment is synced, created for a trim, or deleted.
 */
import { join } from "node:path"
import { Effect } from "effect"
import type { Disk } from "./Disk.ts"
import { type DecodedRecord, decodeRecords, type EncodedMessage, encodeRecords, scanRecords } from "./RecordCodec.ts"

interface Segment {
  readonly base: number
  readonly path: string
  readonly fd: number
  /** Where each record starts. */
  readonly starts: Array<number>
  size: number
  syncedSize: number
}

export interface Partition {
  readonly dir: string
  readonly segments: Array<Segment>
  /** The offset the next record gets. */
  end: number
  /** Records below this offset are synced: the only ones readers see. */
  durableEnd: number
  /** Directories whose entries (new segments, new folders) are not synced yet. */
  readonly unsyncedDirs: Set<string>
}

const segmentName = (base: number) => `${String(base).padStart(20, "0")}.log`
const segmentBase = (name: string) => (/^\d{20}\.log$/.test(name) ? Number(name.slice(0, 20)) : undefined)

const openSegment = (disk: Disk, dir: string, base: number): Segment => {
  const path = join(dir, segmentName(base))
  return { base, path, fd: disk.open(path), starts: [], size: 0, syncedSize: 0 }
}

const last = (p: Partition) => p.segments[p.segments.length - 1] as Segment

/**
 * Opens a partition folder: every segment is scanned, the first torn record is cut off with everything
 * after it (a crash can only tear what was never acknowledged), and the rest is synced before use.
 * An empty folder gets a first segment at `base`.
 */
export const openPartition = (disk: Disk, dir: string, base: number, newDirs: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const p: Partition = { dir, segments: [], end: base, durableEnd: base, unsyncedDirs: new Set(newDirs) }
    const bases = disk
      .list(dir)
      .flatMap((name) => {
        const b = segmentBase(name)
        return b === undefined ? [] : [b]
      })
      .sort((a, b) => a - b)
    let torn = false
    for (const b of bases) {
      const segment = openSegment(disk, dir, b)
      if (torn) {
        disk.close(segment.fd)
        disk.remove(segment.path)
        continue
      }
      const size = disk.size(segment.fd)
      const { starts, validEnd } = scanRecords(disk.read(segment.fd, size, 0))
      if (validEnd < size) {
        disk.truncate(segment.fd, validEnd)
        torn = true
        yield* Effect.logWarning(
          `embedded log: cut ${size - validEnd} bytes of an unfinished write off ${segment.path}`
        )
      }
      segment.starts.push(...starts)
      segment.size = validEnd
      p.segments.push(segment)
      p.end = b + starts.length
    }
    if (p.segments.length === 0) {
      p.segments.push(openSegment(disk, dir, base))
      p.unsyncedDirs.add(dir)
    }
    for (const segment of p.segments) {
      yield* disk.datasync(segment.fd)
      segment.syncedSize = segment.size
    }
    p.durableEnd = p.end
    return p
  })

/** A new, empty partition folder; `newDirs` are the parent folders created with it, synced on first flush. */
export const createPartition = (disk: Disk, dir: string, base: number, newDirs: ReadonlyArray<string>): Partition => {
  disk.makeDir(dir)
  return {
    dir,
    segments: [openSegment(disk, dir, base)],
    end: base,
    durableEnd: base,
    unsyncedDirs: new Set([...newDirs, dir])
  }
}

/** Writes the messages after the partition's last record; returns the first offset they got. */
export const appendTo = (
  disk: Disk,
  p: Partition,
  messages: ReadonlyArray<EncodedMessage>,
  timestamp: number,
  segmentBytes: number
): number => {
  if (last(p).size >= segmentBytes) {
    p.segments.push(openSegment(disk, p.dir, p.end))
    p.unsyncedDirs.add(p.dir)
  }
  const segment = last(p)
  const { bytes, ends } = encodeRecords(messages, timestamp)
  try {
    disk.write(segment.fd, bytes, segment.size)
  } catch (error) {
    // a partly written batch must not stay as a tail that later records would follow
    disk.truncate(segment.fd, segment.size)
    throw error
  }
  const first = p.end
  let start = segment.size
  for (const end of ends) {
    segment.starts.push(start)
    start = segment.size + end
  }
  segment.size += bytes.length
  p.end += messages.length
  return first
}

/** The first offset the partition still holds. */
export const startOf = (p: Partition): number => (p.segments[0] as Segment).base

/** Up to `max` durable records from `offset` (from the first held one if that is gone), within one segment. */
export const readFrom = (
  disk: Disk,
  p: Partition,
  offset: number,
  max: number,
  maxBytes: number
): { readonly first: number; readonly records: ReadonlyArray<DecodedRecord> } => {
  const from = Math.max(offset, startOf(p))
  if (from >= p.durableEnd || max <= 0) return { first: from, records: [] }
  let i = p.segments.length - 1
  while (i > 0 && (p.segments[i] as Segment).base > from) i--
  const segment = p.segments[i] as Segment
  const index = from - segment.base
  const segmentEnd = Math.min(segment.base + segment.starts.length, p.durableEnd)
  const begin = segment.starts[index] as number
  let count = Math.min(max, segmentEnd - from)
  const endOf = (n: number) => segment.starts[index + n] ?? segment.size
  // at least one record, then as many as fit in maxBytes
  while (count > 1 && endOf(count) - begin > maxBytes) count = Math.max(1, Math.floor(count / 2))
  const bytes = disk.read(segment.fd, endOf(count) - begin, begin)
  return { first: from, records: decodeRecords(bytes, count) }
}

/** Syncs what was written before the call; readers then see it. */
export const flush = (disk: Disk, p: Partition) =>
  Effect.gen(function* () {
    const end = p.end
    for (const segment of p.segments) {
      const size = segment.size
      if (size > segment.syncedSize) {
        yield* disk.datasync(segment.fd)
        segment.syncedSize = size
      }
    }
    for (const dir of [...p.unsyncedDirs].reverse()) {
      p.unsyncedDirs.delete(dir)
      yield* disk.syncDir(dir)
    }
    p.durableEnd = Math.max(p.durableEnd, end)
  })

/**
 * Deletes every segment whose records all lie below `offset` (the offset every group has read past). A
 * consumed last segment is replaced by an empty one first, whose name keeps the next offset on disk.
 */
export const trim = (disk: Disk, p: Partition, offset: number) =>
  Effect.gen(function* () {
    const active = last(p)
    if (p.end > active.base && p.end <= offset && p.durableEnd === p.end) {
      p.segments.push(openSegment(disk, p.dir, p.end))
      yield* disk.syncDir(p.dir)
    } else if (p.unsyncedDirs.has(p.dir)) {
      // a segment created by an append must be on disk before the ones before it go
      p.unsyncedDirs.delete(p.dir)
      yield* disk.syncDir(p.dir)
    }
    while (p.segments.length > 1) {
      const [first, second] = p.segments as [Segment, Segment]
      if (second.base > offset) break
      p.segments.shift()
      disk.close(first.fd)
      disk.remove(first.path)
    }
  })

export const closePartition = (disk: Disk, p: Partition) => {
  for (const segment of p.segments) disk.close(segment.fd)
}
