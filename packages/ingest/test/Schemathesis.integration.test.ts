// A contract fuzzer (schemathesis, every check) against a real edge on Kafka: /openapi.json must declare
// exactly what the server enforces, so no generated request finds a disagreement. Needs `.venv-ci/`
// (`.ci/run` installs it): skipped with the reason without it, a failure under CI.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { isCI } from "../../../test/support/ci.ts"
import { freePort } from "../../../test/support/freePort.ts"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { repoRoot } from "../../../test/support/sampleData.ts"
import { spawnProgram, waitForReady } from "../../../test/support/spawnProgram.ts"

const schemathesis = join(repoRoot, ".venv-ci", "bin", "schemathesis")
const config = join(repoRoot, "packages", "ingest", "test", "schemathesis.toml")

const run = (command: string, args: ReadonlyArray<string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += String(chunk)
    })
    child.stderr.on("data", (chunk) => {
      output += String(chunk)
    })
    child.once("exit", (code) => resolve({ code, output }))
  })

const contract = (brokers: ReadonlyArray<string>) =>
  it("schemathesis --checks all finds no failure", async () => {
    const port = await freePort()
    const edge = spawnProgram("packages/ingest/src/main.ts", [], {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      KAFKA_BROKERS: brokers.join(","),
      PINS_TOPIC: uniqueName("schemathesis"),
      KAFKA_PARTITIONS: "1",
      // the document follows the running limits: a small event limit keeps the boundary cases small
      INGEST_MAX_EVENTS: "50",
      LOG_LEVEL: "Warning"
    })
    try {
      await waitForReady(edge, `http://127.0.0.1:${port}/readyz`, "the edge")
      const { code, output } = await run(schemathesis, [
        "--config-file",
        config,
        "run",
        `http://127.0.0.1:${port}/openapi.json`,
        "--checks",
        "all",
        "--max-examples",
        "50",
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--no-color"
      ])
      const summary = output.split("\n").filter((line) => /generated|passed|failures|No issues/.test(line))
      console.info(`schemathesis: ${summary.map((line) => line.trim()).join(" | ")}`)
      expect(code, output).toBe(0)
      expect(output).toMatch(/No issues found/)
    } finally {
      edge.child.kill("SIGTERM")
      await edge.exited
    }
  }, 300_000)

if (existsSync(schemathesis))
  describeIntegration("the edge's OpenAPI contract", ["kafka"], (env) => contract(env.kafkaBrokers))
else if (isCI())
  describe("the edge's OpenAPI contract", () => {
    it("has schemathesis (under CI a missing .venv-ci fails)", () => {
      throw new Error(
        `${schemathesis} is missing: .ci/run installs it (python3 -m venv .venv-ci; pip install schemathesis)`
      )
    })
  })
else
  describe.skip(`the edge's OpenAPI contract [skipped: ${schemathesis} missing; python3 -m venv .venv-ci && .venv-ci/bin/pip install schemathesis]`, () => {
    it("schemathesis --checks all finds no failure", () => undefined)
  })
