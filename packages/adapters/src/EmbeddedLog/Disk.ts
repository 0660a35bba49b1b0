/**
 * The file operations the embedded log needs, node:fs wrapped once. Writes and reads are synchronous
 * (page-cache copies, so a record's offset and its bytes are assigned in one step and never interleave);
 * only the syncs, the slow part that group commit shares, are asynchronous. Failures throw or die:
 * the log turns them into defects, which the producer answers with 503.
 */
import * as fs from "node:fs"
import { dirname } from "node:path"
import { Effect } from "effect"

export interface Disk {
  /** Opens a file for reading and writing at explicit positions, creating it when absent. */
  readonly open: (path: string) => number
  readonly size: (fd: number) => number
  /** Writes all of `data` at `position`. */
  readonly write: (fd: number, data: Uint8Array, position: number) => void
  /** Up to `length` bytes from `position` (fewer at the end of the file). */
  readonly read: (fd: number, length: number, position: number) => Uint8Array
  readonly truncate: (fd: number, length: number) => void
  readonly close: (fd: number) => void
  readonly remove: (path: string) => void
  /** Names in a directory; empty when it does not exist. */
  readonly list: (dir: string) => ReadonlyArray<string>
  readonly makeDir: (dir: string) => void
  /** A file's text; undefined when it does not exist. */
  readonly readText: (path: string) => string | undefined
  /** Makes a file's written data durable. */
  readonly datasync: (fd: number) => Effect.Effect<void>
  /** Makes a directory's entries (created, renamed files) durable. */
  readonly syncDir: (dir: string) => Effect.Effect<void>
  /**
   * Creates a lock file holding this process's id; returns the id of a live process that holds it
   * instead (a lock left by a dead process, or by an earlier run of this process's id, is taken over).
   */
  readonly lock: (path: string) => number | undefined
  readonly unlock: (path: string) => void
  /** Replaces a file atomically: a temporary file written and synced, renamed over it, directory synced. */
  readonly writeAtomic: (path: string, text: string) => Effect.Effect<void>
}

const callback = (run: (done: (error: NodeJS.ErrnoException | null) => void) => void) =>
  Effect.callback<void>((resume) => run((error) => resume(error === null ? Effect.void : Effect.die(error))))

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"

const syncDir = (dir: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => fs.openSync(dir, "r")),
    (fd) => callback((done) => fs.fsync(fd, done)),
    (fd) => Effect.sync(() => fs.closeSync(fd))
  )

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Lock files this process holds: its own id in a lock file is only live when listed here. */
const heldLocks = new Set<string>()

const lock = (path: string): number | undefined => {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(path, String(process.pid), { flag: "wx" })
      heldLocks.add(path)
      return undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
    const holder = Number(fs.readFileSync(path, "utf8"))
    const live =
      holder === process.pid ? heldLocks.has(path) : Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)
    if (live) return holder
    fs.rmSync(path, { force: true })
  }
  throw new Error(`could not take the lock ${path}`)
}

export const nodeDisk: Disk = {
  open: (path) => fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644),
  size: (fd) => fs.fstatSync(fd).size,
  write: (fd, data, position) => {
    let written = 0
    while (written < data.length) {
      written += fs.writeSync(fd, data, written, data.length - written, position + written)
    }
  },
  read: (fd, length, position) => {
    const buffer = Buffer.allocUnsafe(length)
    let got = 0
    while (got < length) {
      const n = fs.readSync(fd, buffer, got, length - got, position + got)
      if (n === 0) break
      got += n
    }
    return buffer.subarray(0, got)
  },
  truncate: (fd, length) => fs.ftruncateSync(fd, length),
  close: (fd) => fs.closeSync(fd),
  remove: (path) => fs.rmSync(path, { force: true }),
  list: (dir) => {
    try {
      return fs.readdirSync(dir)
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
  },
  makeDir: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  readText: (path) => {
    try {
      return fs.readFileSync(path, "utf8")
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  },
  lock,
  unlock: (path) => {
    heldLocks.delete(path)
    fs.rmSync(path, { force: true })
  },
  datasync: (fd) => callback((done) => fs.fdatasync(fd, done)),
  syncDir,
  writeAtomic: (path, text) =>
    Effect.gen(function* () {
      const temp = `${path}.tmp`
      const fd = yield* Effect.sync(() => fs.openSync(temp, "w", 0o644))
      yield* Effect.sync(() => fs.writeFileSync(fd, text)).pipe(
        Effect.andThen(callback((done) => fs.fsync(fd, done))),
        Effect.ensuring(Effect.sync(() => fs.closeSync(fd)))
      )
      yield* callback((done) => fs.rename(temp, path, done))
      yield* syncDir(dirname(path))
    })
}
