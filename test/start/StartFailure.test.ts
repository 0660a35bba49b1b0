/**
 * `pinflow start` when a component fails, as a process: the stream worker's consumer crashes for good
 * (test/start/CrashingStart.ts). The edge must turn unready and refuse posts before the process ends,
 * the process must end non-zero, and its output must say once which component failed and why.
 */
import { describe, expect, it } from "vitest"
import { freePort } from "../support/freePort.ts"
import { spawnProgram } from "../support/spawnProgram.ts"

const event = (id: string) =>
  JSON.stringify({
    index: 1,
    unique_id: id,
    title: "A title",
    description: "A description",
    follower_count: "1.5k",
    tag_list: "a,b",
    is_image_or_video: "image",
    image_src: "https://i.pinimg.com/a.jpg",
    downloaded: 1,
    save_location: "Local save in /data/art",
    category: "art"
  })

const answer = async (url: string, init?: RequestInit) =>
  fetch(url, init).then(
    async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), text: await r.text() }),
    () => ({ status: 0, retryAfter: null, text: "no connection" })
  )

const postPin = (url: string, id: string) =>
  answer(`${url}/pin/`, { method: "POST", headers: { "content-type": "application/json" }, body: event(id) })

describe("pinflow start when a component fails", () => {
  it("turns /readyz 503 and refuses posts, then exits 1 with one line naming the component and why", async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const program = spawnProgram("test/start/CrashingStart.ts", [], {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      START_FAILURE_GRACE: "3 seconds",
      LOG_LEVEL: "Info"
    })
    let exitedAt: number | null = null
    void program.exited.then(() => {
      exitedAt = performance.now()
    })
    try {
      const deadline = performance.now() + 60_000
      while ((await answer(`${url}/readyz`)).status !== 200) {
        if (exitedAt !== null || performance.now() > deadline) throw new Error(`never ready:\n${program.output()}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      // the worker reads this event, then its consumer crashes
      expect(await postPin(url, "before-the-crash")).toMatchObject({ status: 200 })

      let unready: { status: number; text: string } = { status: 200, text: "" }
      while (unready.status === 200 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        unready = await answer(`${url}/readyz`)
      }
      expect(exitedAt, "the process was still running when /readyz turned 503").toBeNull()
      expect(unready.status).toBe(503)
      const refused = await postPin(url, "after-the-crash")
      expect(exitedAt, "the process was still running when the post was refused").toBeNull()
      expect(refused).toMatchObject({ status: 503, retryAfter: "1" })
      expect(JSON.parse(refused.text)).toMatchObject({ error: "unavailable", reason: "closed" })

      expect(await program.exited).toBe(1)
      const failureLines = program
        .output()
        .split("\n")
        .filter((line) => line.includes("failed"))
      expect(failureLines).toHaveLength(1)
      expect(failureLines[0]).toContain("ERROR")
      expect(failureLines[0]).toContain(
        "pinflow start: stream worker failed: source consume failed: the partition leader is gone for good; stopping (readyz answers 503)"
      )
    } finally {
      program.child.kill("SIGKILL")
    }
  }, 90_000)
})
