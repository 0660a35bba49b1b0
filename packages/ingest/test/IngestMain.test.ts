// `node packages/ingest/src/main.ts` as a process: a SIGTERM is a graceful stop, so the exit code is 0.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"
import { freePort } from "../../../test/support/freePort.ts"

it("exits 0 after SIGTERM (also while Kafka is unreachable)", async () => {
  const [port, deadBroker] = [await freePort(), await freePort()]
  const child = spawn(process.execPath, [fileURLToPath(new URL("../src/main.ts", import.meta.url))], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KAFKA_BROKERS: `127.0.0.1:${deadBroker}` },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk) => {
    output += String(chunk)
  })
  child.stderr.on("data", (chunk) => {
    output += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const deadline = Date.now() + 20_000
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ingest did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill("SIGTERM")
  expect(await exited, output).toBe(0)
}, 30_000)
