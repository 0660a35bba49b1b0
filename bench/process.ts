/**
 * A pinflow program as its own node process, as production runs it (`node <launch flags> dist/pinflow.mjs
 * <command>`, the bundle built first when missing or older than a source; `BENCH_FROM=source` runs
 * `node packages/cli/src/bin.ts <command>` with node's defaults instead, what the benches ran before;
 * `BENCH_NODE_FLAGS` replaces the bundle's launch flags), so the memory
 * a bench reports is the program's alone, read from `/proc/<pid>/status`: VmHWM (the kernel's peak
 * resident set since the process started) and VmRSS (now). Also issue 11's memory budgets and how a
 * row prints one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("..", import.meta.url))
export const bin = `${root}packages/cli/src/bin.ts`
/** The production bundle (`npm run build`). */
export const bundle = `${root}dist/pinflow.mjs`

/** Which `pinflow` the benches run: the bundle with the launch flags (default), or the sources. */
export const pinflowFrom: "bundle" | "source" = process.env.BENCH_FROM === "source" ? "source" : "bundle"

const youngAndGrowth = ["--max-semi-space-size=4", "--heap-growing-percent=100"]

/**
 * The README's production launch flags per command: V8's young generation kept at 4 MB semi-spaces (it
 * grows to 128 MB of garbage under a high allocation rate) and, for the others, a heap that grows at most 2×
 * its live size before a full collection (V8's default lets it reach ~4×). The edge's old space is also
 * capped at 96 MB (its live data is bounded by the admission budget); `start` keeps its embedded database's
 * WebAssembly on the baseline compiler (V8's optimizing tier compiles PGlite with ~500 MB at its peak); the
 * worker's old space is capped so a full GC comes before buffered records' garbage piles up; the batch's as
 * in packages/batch/README.md (the batch bench compares heaps through NODE_OPTIONS, so it takes only the script).
 */
const flagsByCommand: Record<string, ReadonlyArray<string>> = {
  ingest: [...youngAndGrowth, "--max-old-space-size=96"],
  start: [...youngAndGrowth, "--liftoff-only"],
  stream: ["--max-semi-space-size=4", "--max-old-space-size=128"],
  batch: ["--max-semi-space-size=2", "--max-old-space-size=128"]
}

export const launchFlags = (command: string | undefined): ReadonlyArray<string> =>
  (command === undefined ? undefined : flagsByCommand[command]) ?? youngAndGrowth

/** Newest modification time (ms) of the files under `dir`. */
const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true }).reduce(
    (max, e) => (e.isFile() ? Math.max(max, statSync(`${e.parentPath}/${e.name}`).mtimeMs) : max),
    0
  )

let checked = false

/**
 * `npm run build` when the bundle is missing or older than the config, the lock or a package's src/;
 * checked once per bench, so every row of a bench runs the same build.
 */
export const ensureBundle = (): void => {
  if (checked) return
  checked = true
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0
  const sources = Math.max(
    statSync(`${root}rolldown.config.ts`).mtimeMs,
    statSync(`${root}package-lock.json`).mtimeMs,
    ...readdirSync(`${root}packages`).map((p) =>
      existsSync(`${root}packages/${p}/src`) ? newest(`${root}packages/${p}/src`) : 0
    )
  )
  if (built >= sources) return
  console.log(`building ${bundle} (npm run build)`)
  execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
}

let announced = false

/** The script and node flags that start `pinflow <args>` (see `pinflowFrom`); says which, once. */
export const pinflowLaunch = (
  args: ReadonlyArray<string>
): { readonly script: string; readonly flags: ReadonlyArray<string> } => {
  // BENCH_NODE_FLAGS="<flags>" replaces the launch flags (to compare heaps; "" for node's defaults)
  const override = process.env.BENCH_NODE_FLAGS
  const flags = override === undefined ? launchFlags(args[0]) : override.split(" ").filter((f) => f !== "")
  const launch = pinflowFrom === "source" ? { script: bin, flags: [] } : { script: bundle, flags }
  if (pinflowFrom === "bundle") ensureBundle()
  if (!announced)
    console.log(`pinflow runs as: node ${[...launch.flags, launch.script.slice(root.length)].join(" ")} …`)
  announced = true
  return launch
}

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

/** `pinflow <args>` as it is deployed (`pinflowLaunch`); `nodeArgs` after the launch flags (they win). */
export const spawnPinflow = (args: ReadonlyArray<string>, options: SpawnOptions = {}): Program => {
  const { script, flags } = pinflowLaunch(args)
  return spawnScript(script, args, { ...options, nodeArgs: [...flags, ...(options.nodeArgs ?? [])] })
}

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
