/** A program of the repo as a child process, its stdout and stderr collected, for tests that signal it. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { repoRoot } from "./sampleData.ts"

export interface Program {
  readonly child: ChildProcessWithoutNullStreams
  /** Everything written to stdout and stderr so far. */
  readonly output: () => string
  /** The exit code once it exits (null after a signal it did not handle). */
  readonly exited: Promise<number | null>
}

/** `node <script> ...args` (script relative to the repo root) with `env` as its whole environment. */
export const spawnProgram = (
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>
): Program => {
  const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, env, stdio: "pipe" })
  child.stdin.end()
  let output = ""
  const collect = (chunk: unknown) => {
    output += String(chunk)
  }
  child.stdout.on("data", collect)
  child.stderr.on("data", collect)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, output: () => output, exited }
}

/**
 * Resolves once `url` answers 2xx (polled every 200 ms); fails with the program's output when it exits
 * first or nothing answers within `timeoutMs`.
 */
export const waitForReady = async (program: Program, url: string, name: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (
    !(await fetch(url).then(
      (r) => r.ok,
      () => false
    ))
  ) {
    if (program.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${name} did not become ready:\n${program.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
