/**
 * `npm start`, `npm run pinflow -- …` and `npx pinflow …` as process managers see them: a signal to the
 * pid that was started stops the program gracefully, npm exits with the program's code (0 after a
 * signal, non-zero after a failure) and nothing is left running. No services: embedded defaults.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { freePort } from "../support/freePort.ts"
import { expectGracefulStop } from "./GracefulStop.ts"
import { answers, exitWithin, hasProc, launch, markedProcesses, scriptCommand } from "./Launched.ts"

const homes: Array<string> = []
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true })
})

/** The backends unset, so `start` uses its embedded defaults under a fresh PINFLOW_HOME. */
const embedded = (port: number) => {
  const home = mkdtempSync(join(tmpdir(), "pinflow-signals-"))
  homes.push(home)
  return {
    KAFKA_BROKERS: undefined,
    DATABASE_URL: undefined,
    GCS_BUCKET: undefined,
    GCS_ENDPOINT: undefined,
    PINFLOW_HOME: join(home, ".pinflow"),
    PORT: String(port),
    HOST: "127.0.0.1"
  }
}

describe.skipIf(!hasProc)("signals to npm start (embedded defaults)", () => {
  const cases = [
    { signal: "SIGTERM", toGroup: false, to: "npm's pid" },
    { signal: "SIGINT", toGroup: false, to: "npm's pid" },
    { signal: "SIGINT", toGroup: true, to: "npm's process group (Ctrl-C)" }
  ] as const
  for (const { signal, toGroup, to } of cases) {
    it(`${signal} to ${to}: the program stops gracefully, npm exits 0, nothing is left`, async () => {
      const port = await freePort()
      const launched = launch("npm", ["start"], embedded(port))
      const output = await expectGracefulStop(launched, {
        // the edge may answer before the worker consumes: wait for both
        ready: async () =>
          launched.output().includes("stream worker consuming") && (await answers(`http://127.0.0.1:${port}/readyz`)()),
        command: scriptCommand("start"),
        signal,
        toGroup
      })
      expect(output).toContain("stream worker stopped")
    }, 180_000)
  }
})

describe.skipIf(!hasProc)("the pinflow bin and exit codes", () => {
  it("npx pinflow --help prints the usage and exits 0", async () => {
    const launched = launch("npx", ["pinflow", "--help"], {})
    const code = await exitWithin(launched, 60_000)
    launched.killAll()
    expect(code, launched.output()).toBe(0)
    expect(launched.output()).toContain("pinflow <subcommand> [flags]")
  }, 90_000)

  // a program that fails passes its code through npm / npx, and leaves nothing behind
  const failing = [
    ["npm", ["run", "pinflow", "--", "stream"]],
    ["npx", ["pinflow", "stream"]]
  ] as const
  for (const [command, args] of failing) {
    it(`${command} ${args.join(" ")} without DATABASE_URL exits 1 with the program's error`, async () => {
      const launched = launch(command, args, {
        DATABASE_URL: undefined,
        KAFKA_BROKERS: undefined,
        METRICS_PORT: String(await freePort())
      })
      const code = await exitWithin(launched, 60_000)
      const left = markedProcesses(launched.marker).map((p) => p.command)
      launched.killAll()
      expect({ code, left }, launched.output()).toEqual({ code: 1, left: [] })
      expect(launched.output()).toContain("DATABASE_URL is not set")
    }, 90_000)
  }
})
