/** `pinflow …` as a process for the startup-error tests: its exit code and log lines, parsed. */
import { spawnProgram } from "../support/spawnProgram.ts"

export interface LogRecord {
  readonly message: unknown
  readonly level: string
  readonly annotations?: Record<string, unknown>
}

export interface CliRun {
  readonly code: number | null
  /** Every non-empty line written to stdout and stderr. */
  readonly lines: ReadonlyArray<string>
  readonly output: string
}

/** The environment of a test run: the test's own, without the settings a case chooses itself. */
export const baseEnv = (vars: Record<string, string | undefined>): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: undefined, LOG_FORMAT: undefined }
  delete env.LOG_LEVEL
  delete env.LOG_FORMAT
  delete env.STORAGE_EMULATOR_HOST
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

/**
 * `node packages/cli/src/bin.ts ...args` until it exits; killed after `limitMs` (exit code null), so a program
 * that does not fail as expected never outlives its test.
 */
export const runCli = async (
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>,
  limitMs = 25_000
): Promise<CliRun> => {
  const program = spawnProgram("packages/cli/src/bin.ts", args, env)
  const limit = setTimeout(() => program.child.kill("SIGKILL"), limitMs)
  const code = await program.exited
  clearTimeout(limit)
  const output = program.output()
  return { code, output, lines: output.split("\n").filter((line) => line.trim() !== "") }
}

/** Every line as a JSON log record; throws (failing the test) on a line that is not one. */
export const jsonRecords = (run: CliRun): ReadonlyArray<LogRecord> =>
  run.lines.map((line) => {
    const record = JSON.parse(line) as Partial<LogRecord> | null
    if (record === null || typeof record !== "object" || typeof record.level !== "string" || !("message" in record))
      throw new Error(`not a JSON log line: ${line}`)
    return record as LogRecord
  })

/** The messages of the ERROR records, in order. */
export const errorMessages = (run: CliRun): ReadonlyArray<unknown> =>
  jsonRecords(run)
    .filter((record) => record.level === "ERROR")
    .map((record) => record.message)

/** A line of a JavaScript stack trace, as Node prints them (also inside a JSON string). */
export const stackFrame = /(^|\\n|\n)\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)/
