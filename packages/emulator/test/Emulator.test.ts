import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { sampleLines, samplePath } from "../../../test/support/sampleData.ts"
import {
  EmulatorFileError,
  type EmulatorOptions,
  endpointUrl,
  parseDuration,
  parseRate,
  runEmulator
} from "../src/Emulator.ts"
import { fileSteps } from "../src/FileSteps.ts"
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
  files: [],
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
    expect(endpointUrl("http://h:8000", "pin").href).toBe("http://h:8000/pin/")
    expect(endpointUrl("http://h:8000/", "geo").href).toBe("http://h:8000/geo/")
    // an endpoint named in the URL is dropped: each type has its own (the seed's --url .../pin/ still works)
    expect(endpointUrl("http://h:8000/pin/", "user").href).toBe("http://h:8000/user/")
    expect(endpointUrl("http://h:8000/pins", "pin").href).toBe("http://h:8000/pin/")
    expect(endpointUrl("http://proxy/edge/", "geo").href).toBe("http://proxy/edge/geo/")
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10)
  })

  it.live("sends --count steps of a pin, a geo and a user event of one row each, and counts status codes", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const result = yield* runEmulator(options(edge.url, { count: Option.some(10) }))
      expect(result.snapshot.sent).toBe(30)
      expect(Object.fromEntries(result.snapshot.statuses)).toEqual({ "200": 20, "400": 10 })
      expect(Object.fromEntries(result.snapshot.types)).toEqual({ pin: 10, geo: 10, user: 10 })
      const rows = (path: string, field: string) =>
        edge.bodies
          .filter((_, i) => edge.paths[i] === path)
          .map((b) => JSON.parse(b)[field])
          .sort((a, b) => a - b)
      const pins = rows("/pin/", "index")
      expect(pins.length).toBe(10)
      expect(rows("/geo/", "ind")).toEqual(pins)
      expect(rows("/user/", "ind")).toEqual(pins)
      expect(edge.paths.length).toBe(30)
    }).pipe(Effect.scoped)
  )

  it.live("--types pin posts pins only", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const result = yield* runEmulator(options(edge.url, { count: Option.some(5), types: ["pin"] }))
      expect(Object.fromEntries(result.snapshot.types)).toEqual({ pin: 5 })
      expect(edge.paths).toEqual(["/pin/", "/pin/", "/pin/", "/pin/", "/pin/"])
      expect(edge.bodies.every((b) => typeof JSON.parse(b).unique_id === "string")).toBe(true)
    }).pipe(Effect.scoped)
  )

  it.live("replays files of each type, the rows of one number together, in first-seen order", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const pins = ['{"index":3,"unique_id":"a"}', '{"index":4,"unique_id":"b"}', "not json"]
      const geos = [
        '{"ind":4,"timestamp":"t","latitude":0,"longitude":0,"country":"X"}',
        '{"ind":9,"timestamp":"t","latitude":0,"longitude":0,"country":"Y"}',
        '{"ind":3,"timestamp":"t","latitude":0,"longitude":0,"country":"Z"}'
      ]
      const users = ['{"ind":3,"first_name":"A","last_name":"B","age":20,"date_joined":"d"}', ""]
      const files = [
        { name: "users.ndjson", lines: users },
        { name: "pins.ndjson", lines: pins },
        { name: "geo.ndjson", lines: geos }
      ]
      const result = yield* runEmulator(options(edge.url, { files, concurrency: 1 }))
      expect(result.snapshot.sent).toBe(7)
      expect(edge.paths).toEqual(["/user/", "/pin/", "/geo/", "/pin/", "/geo/", "/pin/", "/geo/"])
      expect(edge.bodies).toEqual([users[0], pins[0], geos[2], pins[1], geos[0], pins[2], geos[1]])
    }).pipe(Effect.scoped)
  )

  it.live("refuses a file whose event type cannot be told", () =>
    Effect.gen(function* () {
      const files = [{ name: "odd.ndjson", lines: ['{"a":1}'] }]
      const failed = yield* Effect.flip(runEmulator(options("http://127.0.0.1:1", { files })))
      expect(failed).toEqual(
        new EmulatorFileError({ message: "odd.ndjson: cannot tell its event type (rows of pin, geo, user expected)" })
      )
    })
  )

  it.live("replays the three sample files: every row of each type once, 2,384 per path, the same numbers", (ctx) =>
    Effect.gen(function* () {
      const read = (file: string) => sampleLines(samplePath.replace("pins-sample.ndjson", file))
      const samples = [read("geo-sample.ndjson"), read("pins-sample.ndjson"), read("users-sample.ndjson")]
      const files = samples.flatMap((sample, i) => ("lines" in sample ? [{ name: `f${i}`, lines: sample.lines }] : []))
      if (files.length < 3) return ctx.skip("sample data not found")
      const edge = yield* fakeEdge
      const result = yield* runEmulator(options(edge.url, { files, concurrency: 16 }))
      expect(Object.fromEntries(result.snapshot.types)).toEqual({ geo: 2384, pin: 2384, user: 2384 })
      const numbers = (path: string, field: string) =>
        edge.bodies
          .filter((_, i) => edge.paths[i] === path)
          .map((b) => JSON.parse(b)[field] as number)
          .sort((a, b) => a - b)
      const pins = numbers("/pin/", "index")
      expect(new Set(pins).size).toBe(2384)
      expect(numbers("/geo/", "ind")).toEqual(pins)
      expect(numbers("/user/", "ind")).toEqual(pins)
      // what was posted is the files' rows themselves
      expect(new Set(edge.bodies)).toEqual(new Set(files.flatMap((f) => f.lines)))
    }).pipe(Effect.scoped)
  )

  it.live("replays a file once, in order, when no count or duration is given", () =>
    Effect.gen(function* () {
      const edge = yield* fakeEdge
      const lines = ['{"index":1,"title":"a"}', "", '{"index":2,"title":"b"}', '{"index":3,"title":"c"}']
      const files = [{ name: "pins.ndjson", lines }]
      const result = yield* runEmulator(options(edge.url, { files, concurrency: 1 }))
      expect(result.snapshot.sent).toBe(3)
      expect(edge.bodies).toEqual(['{"index":1,"title":"a"}', '{"index":2,"title":"b"}', '{"index":3,"title":"c"}'])
      expect(edge.paths).toEqual(["/pin/", "/pin/", "/pin/"])
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
        // a step is a pin, a geo and a user event
        yield* Effect.promise(() => edge.received(3 * k))
        // the next step is due 100 ms later on the test clock, which has not moved
        expect(edge.bodies.length).toBe(3 * k)
        yield* TestClock.adjust("100 millis")
      }
      const result = yield* Fiber.join(run)
      expect(result.snapshot.sent).toBe(30)
      expect(edge.bodies.length).toBe(30)
      expect(result.seconds).toBe(1)
    }).pipe(Effect.scoped)
  )

  it("a step holds one line per type and row number: a repeat starts a new step where it appears", () => {
    const pins = ['{"index":1,"title":"a"}', '{"index":2,"title":"b"}', '{"index":1,"title":"a2"}']
    const geos = ['{"ind":1,"country":"X","latitude":0}', '{"ind":2,"country":"Y","latitude":0}']
    const users = ['{"ind":1,"first_name":"A","age":1}', '{"ind":1,"first_name":"A2","age":1}']
    const replayed = fileSteps([
      { name: "pins", lines: pins },
      { name: "geos", lines: geos },
      { name: "users", lines: users }
    ])
    expect(replayed).toEqual({
      steps: [
        [{ type: "pin", row: 1, body: pins[0] }],
        [
          { type: "pin", row: 2, body: pins[1] },
          { type: "geo", row: 2, body: geos[1] }
        ],
        [
          { type: "pin", row: 1, body: pins[2] },
          { type: "geo", row: 1, body: geos[0] },
          { type: "user", row: 1, body: users[0] }
        ],
        [{ type: "user", row: 1, body: users[1] }]
      ]
    })
  })

  // Row 1's first version is held at the edge until row 3's post arrives (sent after row 1's repeat): the
  // repeat must wait for the first version's answer, so the last line of a row is the last one written.
  it.live("posts a repeat of a row only after its earlier version was answered", () =>
    Effect.gen(function* () {
      const lines = [
        '{"index":1,"title":"first"}',
        '{"index":2,"title":"other"}',
        '{"index":1,"title":"repeat"}',
        '{"index":3,"title":"later"}'
      ]
      const events: Array<string> = []
      const edge = yield* Effect.acquireRelease(
        Effect.promise(
          () =>
            new Promise<{ url: string; close: () => void }>((resolve) => {
              let releaseFirst: (() => void) | undefined
              const server = createServer((req, res) => {
                let body = ""
                req.on("data", (c) => {
                  body += c
                })
                req.on("end", () => {
                  const title = JSON.parse(body).title as string
                  events.push(`arrived ${title}`)
                  const answer = () => {
                    events.push(`answered ${title}`)
                    res.end("{}")
                  }
                  if (title === "first") releaseFirst = answer
                  else answer()
                  if (title === "later") releaseFirst?.()
                })
              })
              server.listen(0, "127.0.0.1", () =>
                resolve({
                  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                  close: () => server.close()
                })
              )
            })
        ),
        (edge) => Effect.sync(edge.close)
      )
      const result = yield* runEmulator(options(edge.url, { files: [{ name: "pins", lines }], concurrency: 4 }))
      expect(result.snapshot.sent).toBe(4)
      expect(events.indexOf("arrived repeat")).toBeGreaterThan(events.indexOf("answered first"))
      expect(events.indexOf("answered first")).toBeGreaterThan(events.indexOf("arrived later"))
    }).pipe(Effect.scoped)
  )

  it.live("reports refused connections instead of failing", () =>
    Effect.gen(function* () {
      const result = yield* runEmulator(options("http://127.0.0.1:1", { count: Option.some(3) }))
      expect(Object.fromEntries(result.snapshot.statuses)).toEqual({ ECONNREFUSED: 9 })
    })
  )
})
