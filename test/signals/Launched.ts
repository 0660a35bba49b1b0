/**
 * A program started the way people start it — `npm start`, `npm run pinflow -- …`, `npx pinflow …` — as
 * a real process tree, and every process of that tree found again through /proc by a marker in its
 * environment (inherited by every descendant, and kept when an orphan is re-parented).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs"
import { delimiter, join } from "node:path"
import { repoRoot } from "../support/sampleData.ts"

const markerName = "PINFLOW_SIGNALS_MARKER"

/** /proc with readable environments (Linux): the tests need it to find a tree's processes. */
export const hasProc = existsSync("/proc/self/environ")

/** The node the scripts must run on: the `node@24` devDependency. */
export const pinnedNode = (): string => realpathSync(join(repoRoot, "node_modules/.bin/node"))

/** The command line the root package.json's `script` execs (npm's `exec` replaces its shell with it). */
export const scriptCommand = (script: string): string => {
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts
  return (scripts[script] ?? "").replace(/^exec /, "")
}

export interface TreeProcess {
  readonly pid: number
  readonly ppid: number
  /** The command line, arguments joined by spaces. */
  readonly command: string
  /** The executable's real path (what `node` resolved to). */
  readonly exe: string
}

const readProcess = (pid: number, marker: string): TreeProcess | undefined => {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")
    if (!environ.includes(`${markerName}=${marker}`)) return undefined
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so read after the last ")"
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    const command = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim()
    return { pid, ppid, command, exe: readlinkSync(`/proc/${pid}/exe`) }
  } catch {
    // gone meanwhile, or not ours to read
    return undefined
  }
}

/** Every living process carrying `marker` in its environment. */
export const markedProcesses = (marker: string): ReadonlyArray<TreeProcess> =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readProcess(Number(name), marker) ?? [])

/**
 * The environment of someone at a shell: no npm variables of the test runner, and no node_modules/.bin
 * on PATH, so `node` and `npm` are the system's (node 20 here) unless npm pins node itself.
 */
const shellEnv = (vars: Record<string, string | undefined>): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith("npm_")) env[name] = value
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !dir.endsWith(join("node_modules", ".bin")) && !dir.startsWith(join(repoRoot, "node_modules")))
    .join(delimiter)
  return { ...env, ...vars }
}

export interface Launched {
  /** The pid that was started: npm's or npx's. */
  readonly pid: number
  readonly marker: string
  readonly output: () => string
  /** npm's exit code once it exits, or `signal:<name>` when a signal ended it. */
  readonly exited: Promise<number | string>
  /** Whether npm has exited. */
  readonly done: () => boolean
  /** SIGKILLs whatever of the tree is still alive (cleanup after a failed test). */
  readonly killAll: () => void
}

/**
 * `npm …` or `npx …` in the repo root with `vars` over a shell's environment; in a process group of its
 * own, led by npm, like a job a terminal runs in the foreground (Ctrl-C signals the whole group).
 */
export const launch = (
  command: "npm" | "npx",
  args: ReadonlyArray<string>,
  vars: Record<string, string | undefined>
): Launched => {
  const marker = randomBytes(8).toString("hex")
  const child = spawn(command, [...args], {
    cwd: repoRoot,
    env: shellEnv({ ...vars, [markerName]: marker }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let output = ""
  const collect = (chunk: unknown) => {
    output += String(chunk)
  }
  child.stdout.on("data", collect)
  child.stderr.on("data", collect)
  let done = false
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      done = true
      resolve(code ?? `signal:${signal}`)
    })
  )
  const pid = child.pid
  if (pid === undefined) throw new Error(`${command} did not start`)
  return {
    pid,
    marker,
    output: () => output,
    exited,
    done: () => done,
    killAll: () => {
      for (const p of markedProcesses(marker)) {
        try {
          process.kill(p.pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether `url` answers 200 now. */
export const answers = (url: string) => (): Promise<boolean> =>
  fetch(url).then(
    (r) => r.status === 200,
    () => false
  )

/** Polls `ready` until it holds; fails with the tree's output if npm exits first or after `timeoutMs`. */
export const waitReady = async (
  launched: Launched,
  ready: () => Promise<boolean>,
  timeoutMs = 90_000
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (launched.done()) throw new Error(`exited before it was ready:\n${launched.output().slice(-3000)}`)
    if (await ready()) return
    if (Date.now() > deadline) throw new Error(`not ready in time:\n${launched.output().slice(-3000)}`)
    await sleep(250)
  }
}

/** npm's exit code, or "timeout" when it has not exited within `timeoutMs`. */
export const exitWithin = (launched: Launched, timeoutMs: number): Promise<number | string> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs)
  })
  return Promise.race([launched.exited, timeout]).finally(() => clearTimeout(timer))
}
