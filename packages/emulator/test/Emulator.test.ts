import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { type EmulatorOptions, parseDuration, parseRate, runEmulator, targetUrl } from "../src/Emulator.ts"
import { percentile } from "../src/LatencyStats.ts"

interface FakeEdge {
  readonly url: string
  readonly bodies: Array<string>
  readonly paths: Array<string>
  /** Resolves once `n` requests have been answered. */
  readonly received: (n: number) => Promise<void>
  readonly close: () => void
}

/** A stand-in edge that answers 200, or 400 for every third request, and records what it got. */
const fakeEdge = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<FakeEdge>((resolve) => {
        const bodies: Array<string> = []
        const paths: Array<string> = []
        const waiting: Array<{ n: number; done: () => void }> = []
        const server = createServer((req, res) => {
          let body = ""
          req.on("data", (c) => {
            body += c
          })
          req.on("end", () => {
            bodies.push(body)
            paths.push(req.url ?? "")
            res.statusCode = bodies.length % 3 === 0 ? 400 : 200
            res.end("{}", () => {
              for (const w of waiting.filter((w) => w.n <= bodies.length)) w.done()
            })
          })
        })
        server.listen(0, "127.0.0.1", () =>
          resolve({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            bodies,
            paths,
            received: (n) => new Promise<void>((done) => (n <= bodies.length ? done() : waiting.push({ n, done }))),
            close: () => server.close()
          })
        )
      })
  ),
  (edge) => Effect.sync(edge.close)
)

const options = (url: string, overrides: Partial<EmulatorOptions>): EmulatorOptions => ({
  url,
  rate: Option.none(),
  concurrency: 4,
  count: Option.none(),
  duration: Option.none(),
  lines: Option.none(),
  invalidRate: 0,
  apiKey: Option.none(),
  seed: Option.some(1),
  ...overrides
})

describe("emulator", () => {
  it("parses rates, durations and targets", () => {
    expect(parseRate("200")).toBe(200)
    expect(parseRate("200/s")).toBe(200)
    expect(parseRate("fast")).toBeUndefined()
    expect(parseDuration("30s")).toEqual(Duration.seconds(30))
    expect(parseDuration("2m")).toEqual(Duration.minutes(2))
    expect(parseDuration("soon")).toBeUndefined()
    expect(targetUrl("http://h:8000").href).toBe("http://h:8000/pin/")
    expect(targetUrl("http://h:8000/pins").href).toBe("http://h:8000/pins")
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10)
  })

  it.live("sends --count events and counts status codes", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const result = yield* runEmulator(options(edge.url, { count: Option.some(30) }))
      expect(result.snapshot.sent).toBe(30)
      expect(Object.fromEntries(result.snapshot.statuses)).toEqual({ "200": 20, "400": 10 })
      expect(edge.paths.every((p) => p === "/pin/")).toBe(true)
      expect(edge.bodies.every((b) => typeof JSON.parse(b).unique_id === "string")).toBe(true)
    }).pipe(Effect.scoped)
  )

  it.live("replays a file once, in order, when no count or duration is given", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const lines = ['{"a":1}', "", '{"a":2}', '{"a":3}']
      const result = yield* runEmulator(options(edge.url, { lines: Option.some(lines), concurrency: 1 }))
      expect(result.snapshot.sent).toBe(3)
      expect(edge.bodies).toEqual(['{"a":1}', '{"a":2}', '{"a":3}'])
    }).pipe(Effect.scoped)
  )

  // Pacing on the test clock: the i-th post is due i/rate seconds after the start, never earlier, and the
  // duration ends the run (throughput itself is measured by the benches, not asserted here).
  it.effect("paces posts at the asked rate and stops at the duration", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const run = yield* Effect.forkChild(
        runEmulator(options(edge.url, { rate: Option.some(10), duration: Option.some(Duration.seconds(1)) }))
      )
      for (let k = 1; k <= 10; k++) {
        yield* Effect.promise(() => edge.received(k))
        // the next post is due 100 ms later on the test clock, which has not moved
        expect(edge.bodies.length).toBe(k)
        yield* TestClock.adjust("100 millis")
      }
      const result = yield* Fiber.join(run)
      expect(result.snapshot.sent).toBe(10)
      expect(edge.bodies.length).toBe(10)
      expect(result.seconds).toBe(1)
    }).pipe(Effect.scoped)
  )

  it.live("reports refused connections instead of failing", () =>
    Effect.gen(function* () {
      const result = yield* runEmulator(options("http://127.0.0.1:1", { count: Option.some(3) }))
      expect(Object.fromEntries(result.snapshot.statuses)).toEqual({ ECONNREFUSED: 3 })
    })
  )
})
