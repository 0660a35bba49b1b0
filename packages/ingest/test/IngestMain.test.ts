// `node packages/ingest/src/main.ts` as a process: a SIGTERM is a graceful stop, so the exit code is 0.
import { expect, it } from "vitest"
import { freePort } from "../../../test/support/freePort.ts"
import { spawnProgram } from "../../../test/support/spawnProgram.ts"

it("exits 0 after SIGTERM (also while Kafka is unreachable)", async () => {
  const [port, deadBroker] = [await freePort(), await freePort()]
  const {
    child,
    output: read,
    exited
  } = spawnProgram("packages/ingest/src/main.ts", [], {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    KAFKA_BROKERS: `127.0.0.1:${deadBroker}`
  })
  const deadline = Date.now() + 20_000
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ingest did not start:\n${read()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill("SIGTERM")
  expect(await exited, read()).toBe(0)
}, 30_000)
