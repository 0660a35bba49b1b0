/**
 * `pinflow start` on embedded defaults keeps the edge's promise through a crash: events are posted
 * concurrently, the process is killed with SIGKILL while they flow, and after a restart every event that
 * was answered 200 is a pin in the embedded database. Once the stream worker and the archive have caught
 * up, the log folder is trimmed back to almost nothing.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, readdirSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { freePort } from "../support/freePort.ts"
import { spawnProgram } from "../support/spawnProgram.ts"
import { eventually, metric } from "./StartProcess.ts"

const folderBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0
  )

/** `pinflow start` as a child process that a test can kill; resolves once the edge is ready. */
const launch = async (home: string, env: Record<string, string> = {}) => {
  const port = await freePort()
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: "127.0.0.1" }
  for (const name of ["KAFKA_BROKERS", "DATABASE_URL", "GCS_BUCKET", "GCS_ENDPOINT"]) delete childEnv[name]
  Object.assign(childEnv, { PINFLOW_HOME: home, ...env })
  const program = spawnProgram("packages/cli/src/bin.ts", ["start"], childEnv)
  const url = `http://127.0.0.1:${port}`
  await eventually(
    async () => {
      if (program.child.exitCode !== null) throw new Error(`pinflow start exited:\n${program.output()}`)
      return fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false
      )
    },
    "pinflow start to be ready",
    program.output,
    90_000
  )
  return { ...program, url }
}

const event = (id: string, i: number) =>
  JSON.stringify({
    index: i,
    unique_id: id,
    title: `Pin ${i}`,
    description: "posted while the process is killed",
    follower_count: "1.5k",
    tag_list: "a,b",
    is_image_or_video: "image",
    image_src: "https://example.com/i.jpg",
    downloaded: 1,
    save_location: "Local save in /data/art",
    category: "art"
  })

const readPins = async (home: string) => {
  const { PGlite } = await import("@electric-sql/pglite")
  const db = await PGlite.create(join(home, "postgres"))
  try {
    return new Set((await db.query<{ unique_id: string }>("select unique_id from pins")).rows.map((r) => r.unique_id))
  } finally {
    await db.close()
  }
}

describe("pinflow start's embedded log", () => {
  it("keeps every event answered 200 through a SIGKILL, and is trimmed once the consumers caught up", async () => {
    const home = join(mkdtempSync(join(tmpdir(), "pinflow-durable-")), ".pinflow")
    const logDir = join(home, "log")
    const run1 = await launch(home)
    expect(run1.output()).toContain(`log:      embedded, durable in ${logDir} (set KAFKA_BROKERS for Kafka)`)

    const accepted: Array<{ readonly id: string; readonly bytes: number }> = []
    let posting = true
    const client = async (c: number) => {
      for (let i = 0; posting; i++) {
        const id = randomUUID()
        const body = event(id, c * 1_000_000 + i)
        const status = await fetch(`${run1.url}/pin/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body
        }).then(
          (r) => r.status,
          () => 0
        )
        if (status === 200) accepted.push({ id, bytes: body.length })
      }
    }
    const clients = Array.from({ length: 16 }, (_, c) => client(c))
    await eventually(async () => accepted.length >= 600, "600 accepted events", run1.output, 60_000)
    const writtenAtKill = await metric(run1.url, "pinflow_pins_written_total").catch(() => -1)
    run1.child.kill("SIGKILL")
    expect(await run1.exited).toBe(null)
    posting = false
    await Promise.all(clients)
    const acceptedIds = accepted.map((a) => a.id)
    // the archive has not run yet, so the log still holds every accepted event
    const heldAfterKill = folderBytes(logDir)
    expect(heldAfterKill).toBeGreaterThanOrEqual(accepted.reduce((n, a) => n + a.bytes, 0))

    // the archive runs every minute now, so both groups catch up and the log can be trimmed
    const run2 = await launch(home, { BATCH_CRON: "* * * * *" })
    await eventually(
      async () => folderBytes(logDir) < 16 * 1024,
      "the log to be trimmed after the stream worker and the archive caught up",
      run2.output,
      150_000
    )
    run2.child.kill("SIGTERM")
    expect(await run2.exited).toBe(0)
    const pins = await readPins(home)
    const missing = acceptedIds.filter((id) => !pins.has(id))
    console.info(
      `accepted ${acceptedIds.length}, written before the kill ${writtenAtKill}, log ${heldAfterKill} bytes after the kill, ${folderBytes(logDir)} after the trim`
    )
    expect(missing).toEqual([])
  }, 300_000)
})
