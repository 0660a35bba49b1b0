/**
 * `pinflow --help` and each command's `--help` load the command tree only: no program (ingest, stream,
 * batch, start, dashboard), no backend client, not the adapters' index. Issue 11: `--help` used to load every program (~1,650
 * modules, ~207 MB peak RSS).
 */
import { afterEach, describe, expect, it } from "vitest"
import { heavy, type Recorded, spawnRecorded, within } from "./LoadedModules.ts"

const started: Array<Recorded> = []
afterEach(() => {
  for (const program of started.splice(0)) {
    program.child.kill("SIGKILL")
    program.cleanup()
  }
})

const run = async (script: string, args: ReadonlyArray<string>) => {
  const program = spawnRecorded(script, args, {})
  started.push(program)
  const code = await program.exited
  return { code, output: program.output(), modules: program.modules() }
}

const programs = ["ingest", "stream", "batch", "start", "dashboard"].map((name) => `/packages/${name}/src/`)
// every port at once (~140 modules, ~13 MB): a command imports the modules it needs by path instead
const adaptersIndex = "/packages/adapters/src/index.ts"

describe("the modules a command loads", () => {
  it("the recording preload sees CommonJS packages imported from ESM (GCS client, kafkajs) and PGlite", async () => {
    const { code, output, modules } = await run("--input-type=module", [
      "-e",
      'await import("@google-cloud/storage"); await import("kafkajs"); await import("@electric-sql/pglite")'
    ])
    expect(code, output).toBe(0)
    expect(within(modules, heavy.gcs).length).toBeGreaterThan(0)
    expect(within(modules, heavy.kafkajs).length).toBeGreaterThan(0)
    expect(within(modules, heavy.pglite).length).toBeGreaterThan(0)
  })

  for (const args of [["--help"], ["ingest", "--help"], ["stream", "--help"], ["batch", "run", "--help"]]) {
    it(`pinflow ${args.join(" ")} prints its help and loads no program and no backend client`, async () => {
      const { code, output, modules } = await run("packages/cli/src/bin.ts", args)
      expect(code, output).toBe(0)
      expect(output).toContain(
        args.length === 1 ? "pinflow <subcommand> [flags]" : `pinflow ${args.join(" ").replace(" --help", "")}`
      )
      const loaded = [...programs, adaptersIndex, ...Object.values(heavy)].flatMap((fragment) =>
        within(modules, fragment)
      )
      expect(loaded).toEqual([])
      // the list is real: the CLI itself was recorded
      expect(within(modules, "/packages/cli/src/Cli.ts")).toHaveLength(1)
    })
  }
})
