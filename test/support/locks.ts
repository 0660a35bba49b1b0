// Cross-worker reader/writer locks per service, so a test that stops a service (an "exclusive" holder)
// never does it under another test file that is using that service (a "shared" holder).
// describeIntegration takes them in beforeAll and gives them back in afterAll.
//
// Files under .services/locks/<service>/: "shared-<pid>-<thread>-<n>" per user, "exclusive" (one writer).
// Both sides write their file first and then look at the other side's, so they cannot both proceed;
// a waiting writer blocks new readers (no starvation). Files of dead processes are ignored and removed.
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { threadId } from "node:worker_threads"
import type { ServiceName } from "../../services/config.ts"
import { stateRoot } from "../../services/config.ts"
import { liveCommandLine, sleep } from "../../services/process.ts"

const lockDir = (name: ServiceName): string => join(stateRoot, "locks", name)
const me = `${process.pid}-${threadId}`
let counter = 0

const ownerAlive = (owner: string): boolean => {
  const pid = Number.parseInt(owner.split("-")[0] ?? "", 10)
  return Number.isSafeInteger(pid) && liveCommandLine(pid) !== undefined
}

const readOwner = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8").trim()
  } catch {
    return undefined
  }
}

/** Live shared holders other than this worker (a writer does not wait for its own reads). */
const otherReaders = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.startsWith("shared-"))
    .filter((f) => {
      const owner = f.slice("shared-".length).split("-").slice(0, 2).join("-")
      if (ownerAlive(owner)) return owner !== me
      rmSync(join(dir, f), { force: true })
      return false
    })

/** The live exclusive holder, if any (a dead one's file is removed). */
const writer = (dir: string): string | undefined => {
  const file = join(dir, "exclusive")
  const owner = readOwner(file)
  if (owner === undefined) return undefined
  if (!ownerAlive(owner)) {
    rmSync(file, { force: true })
    return undefined
  }
  return owner
}

export type Release = () => void

export const acquireShared = async (name: ServiceName, timeoutMs: number): Promise<Release> => {
  const dir = lockDir(name)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `shared-${me}-${counter++}`)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    writeFileSync(file, "")
    const w = writer(dir)
    if (w === undefined || w === me) return () => rmSync(file, { force: true })
    rmSync(file, { force: true })
    if (Date.now() > deadline) throw new Error(`${name}: another test file has stopped it for ${timeoutMs / 1000} s`)
    await sleep(100)
  }
}

export const acquireExclusive = async (name: ServiceName, timeoutMs: number): Promise<Release> => {
  const dir = lockDir(name)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, "exclusive")
  const deadline = Date.now() + timeoutMs
  const tmp = join(dir, `.exclusive-${me}`)
  writeFileSync(tmp, me)
  for (;;) {
    try {
      linkSync(tmp, file) // atomic: the file appears with its owner in it, or not at all
      rmSync(tmp, { force: true })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err
      writer(dir) // removes a dead holder's file
      if (Date.now() > deadline) {
        rmSync(tmp, { force: true })
        throw new Error(`${name}: another test file controls it`)
      }
      await sleep(100)
    }
  }
  const release = () => {
    if (readOwner(file) === me) rmSync(file, { force: true })
  }
  try {
    while (otherReaders(dir).length > 0) {
      if (Date.now() > deadline) throw new Error(`${name}: other test files kept using it for ${timeoutMs / 1000} s`)
      await sleep(100)
    }
  } catch (err) {
    release()
    throw err
  }
  return release
}
