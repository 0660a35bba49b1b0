// Small process helpers: pid files, detached spawn, commands, waiting, stopping, a lock.

import type { SpawnSyncOptions } from "node:child_process"
import { spawn, spawnSync } from "node:child_process"
import { once } from "node:events"
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { connect } from "node:net"
import { delimiter, dirname, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

export { sleep }

export const readPidFile = (file: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

export const writePidFile = (file: string, pid: number): void => {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${pid}\n`)
}

export const removeFile = (file: string): void => rmSync(file, { force: true })

/** The command line of a live (non-zombie) process, or undefined when it is gone. */
export const liveCommandLine = (pid: number): ReadonlyArray<string> | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // state is the field after the parenthesised command name
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
    if (state === "Z" || state === "X") return undefined
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((s) => s.length > 0)
  } catch {
    return undefined
  }
}

/** True when pid is alive and its command line contains `marker` (guards against pid reuse). */
export const isOurProcess = (pid: number, marker: string): boolean =>
  liveCommandLine(pid)?.some((arg) => arg.includes(marker)) ?? false

export interface DetachedOptions {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly logFile: string
  readonly env?: NodeJS.ProcessEnv
  readonly uid?: number
  readonly gid?: number
}

/** Starts a process in its own session, stdio to a log file, so it outlives this process. */
export const spawnDetached = async (o: DetachedOptions): Promise<number> => {
  mkdirSync(dirname(o.logFile), { recursive: true })
  const fd = openSync(o.logFile, "a")
  try {
    const child = spawn(o.command, [...o.args], {
      cwd: o.cwd,
      detached: true,
      stdio: ["ignore", fd, fd],
      env: o.env ?? process.env,
      ...(o.uid === undefined ? {} : { uid: o.uid }),
      ...(o.gid === undefined ? {} : { gid: o.gid })
    })
    const spawned = once(child, "spawn")
    const failed = once(child, "error").then(([err]) => {
      throw err
    })
    await Promise.race([spawned, failed])
    child.unref()
    if (child.pid === undefined) throw new Error(`could not start ${o.command}`)
    return child.pid
  } finally {
    closeSync(fd)
  }
}

export interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a short command to completion (no shell). */
export const runSync = (command: string, args: ReadonlyArray<string>, options: SpawnSyncOptions = {}): RunResult => {
  const r = spawnSync(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  if (r.error) throw r.error
  return { status: r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") }
}

/** Runs a command to completion, its output appended to a log file; throws with the log's tail on failure. */
export const runLogged = async (
  command: string,
  args: ReadonlyArray<string>,
  o: { readonly cwd: string; readonly logFile: string; readonly env?: NodeJS.ProcessEnv }
): Promise<void> => {
  mkdirSync(dirname(o.logFile), { recursive: true })
  const fd = openSync(o.logFile, "a")
  try {
    writeFileSync(fd, `\n$ ${command} ${args.join(" ")}\n`)
    const child = spawn(command, [...args], { cwd: o.cwd, stdio: ["ignore", fd, fd], env: o.env ?? process.env })
    const [code, signal] = (await Promise.race([
      once(child, "exit"),
      once(child, "error").then(([err]) => {
        throw err
      })
    ])) as [number | null, NodeJS.Signals | null]
    if (code !== 0) {
      throw new Error(
        `${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}); see ${o.logFile}:\n${tail(o.logFile, 25)}`
      )
    }
  } finally {
    closeSync(fd)
  }
}

/** Last lines of a text file, indented, or a note that it is missing. */
export const tail = (file: string, lines = 20): string => {
  try {
    const text = readFileSync(file, "utf8").trimEnd().split("\n")
    return text
      .slice(-lines)
      .map((l) => `    ${l}`)
      .join("\n")
  } catch {
    return `    (no ${file})`
  }
}

export const fileSize = (file: string): number => {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/**
 * What a log file got since `offset`: its error lines (and the exception lines right after them), else its
 * last lines; long lines cut, indented.
 */
export const logExcerpt = (file: string, offset: number, max = 12): string => {
  let text: string
  try {
    const buf = readFileSync(file)
    text = buf.subarray(Math.min(offset, buf.length)).toString("utf8")
  } catch {
    return `    (no ${file})`
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "")
  const important: string[] = []
  lines.forEach((line, i) => {
    if (/\b(ERROR|FATAL|PANIC)\b|Exception|Caused by|already in use|Permission denied/.test(line)) {
      if (!important.includes(line)) important.push(line)
      const next = lines[i + 1]
      if (next !== undefined && /^\S*(Exception|Error)|^\s+at |^Caused by/.test(next) && !important.includes(next)) {
        important.push(next)
      }
    }
  })
  const chosen = important.length > 0 ? important.slice(0, max) : lines.slice(-max)
  if (chosen.length === 0) return `    (${file}: nothing new)`
  return chosen.map((l) => `    ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`).join("\n")
}

/** Full path of an executable on PATH, or undefined. */
export const which = (command: string): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** Whether something accepts TCP connections on host:port. */
export const portOpen = (port: number, host: string, timeoutMs = 500): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host })
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

/**
 * Polls `check` until it returns a value other than undefined, `abort` returns a reason, or the time is up.
 * Returns the value, or throws an Error whose message is the abort reason / timeout text.
 */
export const waitFor = async <A>(
  check: () => Promise<A | undefined>,
  o: {
    readonly timeoutMs: number
    readonly intervalMs?: number
    readonly abort?: () => string | undefined
    readonly what: string
  }
): Promise<A> => {
  const deadline = Date.now() + o.timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    const reason = o.abort?.()
    if (reason !== undefined) throw new Error(reason)
    if (Date.now() > deadline) throw new Error(`${o.what}: no answer within ${Math.round(o.timeoutMs / 1000)} s`)
    await sleep(o.intervalMs ?? 250)
  }
}

/** Sends `signal`, waits until the process is gone, then SIGKILLs it after timeoutMs. */
export const stopProcess = async (
  pid: number,
  signal: NodeJS.Signals,
  timeoutMs: number
): Promise<"stopped" | "killed"> => {
  try {
    process.kill(pid, signal)
  } catch {
    return "stopped"
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (liveCommandLine(pid) === undefined) return "stopped"
    await sleep(100)
  }
  try {
    process.kill(pid, "SIGKILL")
  } catch {}
  while (liveCommandLine(pid) !== undefined) await sleep(50)
  return "killed"
}

/**
 * Runs fn while holding an exclusive lock file (concurrent `up`s from several test workers or terminals wait
 * for each other). A lock left by a dead process is taken over.
 */
const heldLocks = new Map<string, number>()

export const withLock = async <A>(file: string, fn: () => Promise<A>, timeoutMs = 15 * 60_000): Promise<A> => {
  const depth = heldLocks.get(file) ?? 0
  if (depth > 0) {
    // re-entrant within one process
    heldLocks.set(file, depth + 1)
    try {
      return await fn()
    } finally {
      heldLocks.set(file, (heldLocks.get(file) ?? 1) - 1)
    }
  }
  mkdirSync(dirname(file), { recursive: true })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const fd = openSync(file, "wx")
      writeFileSync(fd, `${process.pid}\n`)
      closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err
      const holder = readPidFile(file)
      if (holder === undefined || liveCommandLine(holder) === undefined) {
        // stale, or being written this very moment: look again before taking it over
        await sleep(100)
        if (readPidFile(file) === holder) removeFile(file)
        continue
      }
      if (Date.now() > deadline) throw new Error(`${file} is held by pid ${holder}`)
      await sleep(200)
    }
  }
  heldLocks.set(file, 1)
  try {
    return await fn()
  } finally {
    heldLocks.set(file, 0)
    if (readPidFile(file) === process.pid) removeFile(file)
  }
}

export const fileExists = existsSync
