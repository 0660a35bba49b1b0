// `node packages/batch/src/main.ts` (the schedule) as a process: a SIGTERM is a graceful stop, exit code 0.
// Its PostgreSQL is PGlite served on a loopback port from this test; Kafka is not touched before a run.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { expect, it } from "vitest"
import { freePort } from "../../../test/support/freePort.ts"
import { spawnProgram } from "../../../test/support/spawnProgram.ts"

it("exits 0 after SIGTERM", async () => {
  const db = await PGlite.create()
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 })
  await server.start()
  const home = mkdtempSync(join(tmpdir(), "pinflow-batch-main-"))
  try {
    const [metricsPort, deadBroker] = [await freePort(), await freePort()]
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATABASE_URL: `postgres://postgres@${server.getServerConn()}/postgres`,
      PINFLOW_HOME: home,
      KAFKA_BROKERS: `127.0.0.1:${deadBroker}`,
      METRICS_PORT: String(metricsPort)
    }
    for (const name of ["GCS_BUCKET", "GCS_ENDPOINT", "OBJECT_STORE_DIR"]) delete env[name]
    const { child, output: read, exited } = spawnProgram("packages/batch/src/main.ts", [], env)
    const deadline = Date.now() + 30_000
    while (!read().includes("batch schedule:")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`batch did not start:\n${read()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(read()).toContain(`archive file://${join(home, "bucket")}`)
    child.kill("SIGTERM")
    expect(await exited, read()).toBe(0)
  } finally {
    await server.stop()
    await db.close()
    rmSync(home, { recursive: true, force: true })
  }
}, 60_000)
