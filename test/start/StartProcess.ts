/** `pinflow start` as a child process, for end-to-end tests: start, wait until ready, post, stop. */
import { freePort } from "../support/freePort.ts"
import { spawnProgram } from "../support/spawnProgram.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface StartProcess {
  readonly url: string
  readonly output: () => string
  /** Sends SIGTERM and resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

/** The backends' variables are removed unless given in `env`, so the embedded defaults apply. */
export const startPinflow = async (env: Record<string, string>, args: ReadonlyArray<string> = []) => {
  const port = await freePort()
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: "127.0.0.1" }
  for (const name of ["KAFKA_BROKERS", "DATABASE_URL", "GCS_BUCKET", "GCS_ENDPOINT"]) delete childEnv[name]
  Object.assign(childEnv, env)
  const { child, output: read, exited } = spawnProgram("packages/cli/src/bin.ts", ["start", ...args], childEnv)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pinflow start exited with ${child.exitCode}:\n${read()}`)
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (Date.now() > deadline) throw new Error(`pinflow start did not become ready:\n${read()}`)
    await sleep(250)
  }
  return {
    url,
    output: read,
    stop: async () => {
      child.kill("SIGTERM")
      return exited
    }
  } satisfies StartProcess
}

/** The value of an unlabelled Prometheus sample, 0 when absent. */
export const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)
}

/** Waits until `check` holds, polling; fails with the process output after `timeoutMs`. */
export const eventually = async (
  check: () => Promise<boolean>,
  what: string,
  output: () => string,
  timeoutMs = 30_000
) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output().slice(-3000)}`)
    await sleep(200)
  }
}

export const postPins = async (url: string, lines: ReadonlyArray<string>) =>
  fetch(`${url}/pins`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: `${lines.join("\n")}\n`
  })
