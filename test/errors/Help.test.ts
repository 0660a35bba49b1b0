/** The help a newcomer reads: which variable selects GCS for the batch, and `start`'s --port/--host. */
import { assert, it } from "vitest"
import { baseEnv, runCli } from "./Cli.ts"

it("batch run --help: GCS_BUCKET selects GCS, without it the local folder; LOG_FORMAT listed", async () => {
  const run = await runCli(["batch", "run", "--help"], baseEnv({}))
  assert.strictEqual(run.code, 0, run.output)
  assert.include(
    run.output,
    "GCS_BUCKET (the archive bucket on GCS; unset: the local folder ./.pinflow/bucket), GCS_ENDPOINT (a GCS emulator's URL)"
  )
  assert.notInclude(run.output, "GCS_ENDPOINT (unset")
  assert.include(run.output, "LOG_FORMAT (pretty|json)")
})

it("start --help: --port and --host, as ingest has them", async () => {
  const run = await runCli(["start", "--help"], baseEnv({}))
  assert.strictEqual(run.code, 0, run.output)
  const flagLines = run.lines
    .filter((line) => /^\s+--(port|host)\b/.test(line))
    .map((line) => line.trim().replace(/\s+/g, " "))
  assert.deepStrictEqual(flagLines, [
    "--port integer Port the edge listens on (default: PORT or 8000)",
    "--host string Address the edge listens on (default: HOST or 0.0.0.0)"
  ])
})
