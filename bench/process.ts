/**
 * A pinflow program as its own node process (`node packages/cli/src/bin.ts <command>`), so the memory
 * a bench reports is the program's alone, read from `/proc/<pid>/status`: VmHWM (the kernel's peak
 * resident set since the process started) and VmRSS (now). Also issue 11's memory budgets and how a
 * row prints one.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("..", import.meta.url))
export const bin = `${root}packages/cli/src/bin.ts`

/**
 * Issue 11's budgets of peak RSS. Every "MB" the benches print is 2^20 bytes (/proc's kB / 1024, what
 * the batch bench labels MiB), so a budget met here is met in decimal MB too.
 */
export const budgets = { edge: 200, worker: 200, batch: 300 } as const

export interface Memory {
  /** VmHWM, MB: the peak resident set so far. */
  readonly peakMb: number
  /** VmRSS, MB: the resident set now. */
  readonly rssMb: number
}

/** VmHWM and VmRSS of a live process; zeros once it has exited (the kernel forgets both). */
export const memoryOf = (pid: number): Memory => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
    return { peakMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 }
  } catch {
    return { peakMb: 0, rssMb: 0 }
  }
}

/** "183 MB ≤ 200 met" / "250 MB ≤ 200 MISSED"; rounded up, so 200.4 MB reads 201, not a missed 200. */
export const againstBudget = (mb: number, budget: number): string =>
  `${Math.ceil(mb).toFixed(0)} MB ≤ ${budget} ${mb <= budget ? "met" : "MISSED"}`

export interface Program {
  readonly child: ChildProcess
  readonly pid: number
  readonly memory: () => Memory
  /** SIGTERM, then the exit code (or the signal's name). */
  readonly stop: () => Promise<number | string | null>
  readonly exited: () => boolean
}

export interface SpawnOptions {
  readonly env?: Record<string, string>
  readonly cwd?: string
  readonly nodeArgs?: ReadonlyArray<string>
  readonly stdio?: "inherit" | "ignore" | "pipe"
}

/** `command <args>` with the bench's environment plus `env` (`nodeArgs` is ignored here). */
export const spawnCommand = (command: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): Program => {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", options.stdio ?? "ignore", options.stdio === "pipe" ? "pipe" : "inherit"]
  })
  const pid = child.pid ?? -1
  const exited = () => child.exitCode !== null || child.signalCode !== null
  return {
    child,
    pid,
    memory: () => memoryOf(pid),
    exited,
    stop: () =>
      new Promise((resolve) => {
        if (exited()) return resolve(child.exitCode ?? child.signalCode)
        child.once("exit", (code, signal) => resolve(code ?? signal))
        child.kill("SIGTERM")
      })
  }
}

/** `node [nodeArgs] <script> <args>` with the bench's environment plus `env`. */
export const spawnScript = (script: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): Program =>
  spawnCommand(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options)

/** `node packages/cli/src/bin.ts <args>`: a program as it is deployed. */
export const spawnPinflow = (args: ReadonlyArray<string>, options: SpawnOptions = {}): Program =>
  spawnScript(bin, args, options)

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `check` every `everyMs` until it is true; throws `what` after `timeoutMs` or once `program` exited. */
export const waitUntil = async (
  what: string,
  check: () => Promise<boolean>,
  options: { readonly timeoutMs?: number; readonly everyMs?: number; readonly program?: Program } = {}
): Promise<void> => {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    if (await check().catch(() => false)) return
    if (options.program?.exited()) throw new Error(`${what}: the program exited (${options.program.child.exitCode})`)
    if (performance.now() > deadline) throw new Error(`${what}: not within ${options.timeoutMs ?? 60_000} ms`)
    await sleep(options.everyMs ?? 100)
  }
}

/** True once GET url answers 2xx. */
export const answers = (url: string) => () => fetch(url).then((r) => r.ok)
