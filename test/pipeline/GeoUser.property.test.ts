/**
 * The geo and user paths of the pipeline on its in-memory Layers, as one property: whatever is posted to
 * `/geos` and `/users` (valid events, out-of-range values, bad times, repeated inds, any JSON), every event
 * the edge accepted is one record on its type's topic and ends as the row of its ind or as one stream
 * reject of its type; every refused one is one ingest reject of its type; the row of an ind is the last
 * accepted version that cleans.
 */
import {
  AnalyticsStore,
  InMemoryLog,
  type LogRecord,
  PinStore,
  PinStoreMemory,
  type StoredEvent
} from "@pinflow/adapters"
import { type EventType, geoEvent, userEvent } from "@pinflow/domain"
import { runWorker } from "@pinflow/stream"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Result } from "effect"
import { HttpServer } from "effect/http"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { PipelineEnv } from "./PipelineCase.ts"

const ind = fc.integer({ min: 1, max: 12 })
const time = fc.oneof(
  fc.constantFrom("2019-11-09 07:45:20", "2022-02-28 23:59:59", "2020-02-29 00:00:00"),
  fc.constantFrom("2019-02-30 00:00:00", "2019-11-09T07:45:20", "", "2019-11-09 7:45:20"),
  fc.string()
)
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom(" Aruba ", "", "nul\u0000"))
const number = fc.oneof(fc.double({ min: -250, max: 250, noNaN: true }), fc.integer({ min: -200, max: 200 }))

const geoValue = fc.oneof(
  { weight: 4, arbitrary: fc.record({ ind, timestamp: time, latitude: number, longitude: number, country: text }) },
  { weight: 1, arbitrary: fc.jsonValue() }
)
const userValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      ind,
      first_name: text,
      last_name: text,
      age: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double({ min: 0, max: 150, noNaN: true })),
      date_joined: time
    })
  },
  { weight: 1, arbitrary: fc.jsonValue() }
)

const requests = fc.array(
  fc.oneof(
    fc.record({ path: fc.constant("/geos" as const), values: fc.array(geoValue, { minLength: 1, maxLength: 6 }) }),
    fc.record({ path: fc.constant("/users" as const), values: fc.array(userValue, { minLength: 1, maxLength: 6 }) })
  ),
  { minLength: 1, maxLength: 6 }
)

const types = {
  "/geos": { type: geoEvent, topic: "geos", table: "geo_events" },
  "/users": { type: userEvent, topic: "users", table: "users" }
} as const

const recordsOf = (topic: string) =>
  Effect.gen(function* () {
    const log = yield* InMemoryLog
    const out: Array<LogRecord> = []
    for (let p = 0; p < (yield* log.partitions(topic)); p++)
      out.push(...(yield* log.read(topic, p, log.startOffset, 1_000_000)))
    return out
  })

const caughtUp = Effect.gen(function* () {
  const log = yield* InMemoryLog
  for (const topic of ["geos", "geos.rejected", "users", "users.rejected"])
    for (let p = 0; p < (yield* log.partitions(topic)); p++)
      if ((yield* log.committed("pinflow-stream", topic, p)) < (yield* log.endOffset(topic, p))) return false
  return true
})

const runCase = (generated: typeof requests extends fc.Arbitrary<infer A> ? A : never) =>
  Effect.gen(function* () {
    const base = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(address))
    const answered = { "/geos": { accepted: 0, refused: 0 }, "/users": { accepted: 0, refused: 0 } }
    for (const request of generated) {
      const answer = yield* Effect.promise(async () => {
        const response = await fetch(`${base}${request.path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request.values)
        })
        return { status: response.status, json: (await response.json()) as { accepted?: number; rejected?: number } }
      })
      expect([200, 400], JSON.stringify(answer.json)).toContain(answer.status)
      answered[request.path].accepted += answer.json.accepted ?? 0
      answered[request.path].refused += answer.json.rejected ?? 0
      expect((answer.json.accepted ?? 0) + (answer.json.rejected ?? 0)).toBe(request.values.length)
    }
    const stop = yield* Deferred.make<void>()
    const worker = yield* Effect.forkChild(runWorker(stop))
    for (let i = 0; !(yield* caughtUp); i++) {
      const early = worker.pollUnsafe()
      if (early !== undefined)
        throw new Error(`the worker ended early: ${Cause.pretty(Exit.isFailure(early) ? early.cause : Cause.empty)}`)
      if (i > 5000) throw new Error("the worker did not catch up in 10 s")
      yield* Effect.sleep("2 millis")
    }
    yield* Deferred.succeed(stop, undefined)
    const stopped = yield* Fiber.await(worker)
    if (Exit.isFailure(stopped)) throw new Error(`the worker failed: ${Cause.pretty(stopped.cause)}`)

    const store = yield* PinStoreMemory
    const rejects = yield* store.rejects
    for (const path of ["/geos", "/users"] as const) {
      const { topic, table } = types[path]
      const type: EventType = types[path].type
      const records = yield* recordsOf(topic)
      expect(records.length, `one ${topic} record per accepted event`).toBe(answered[path].accepted)
      expect((yield* recordsOf(`${topic}.rejected`)).length).toBe(answered[path].refused)
      const ingestRejects = rejects.filter((r) => r.event_type === type.name && r.source === "ingest")
      expect(ingestRejects.length, `one ingest reject per refused ${type.name}`).toBe(answered[path].refused)
      // the expected outcome of every accepted record, by the domain's own cleaning, in log order per ind
      const expectedRows = new Map<string, unknown>()
      let streamRejects = 0
      for (const record of [...records].sort((a, b) => a.offset - b.offset)) {
        const cleaned = type.cleanLine(record.value)
        if (Result.isSuccess(cleaned))
          expectedRows.set(String((cleaned.success as { ind: number }).ind), cleaned.success)
        else streamRejects += 1
      }
      expect(rejects.filter((r) => r.event_type === type.name && r.source === "stream").length).toBe(streamRejects)
      const stored = yield* store.rowsOf(table)
      expect(new Map([...stored].map(([key, row]) => [key, (row as StoredEvent).clean]))).toEqual(expectedRows)
    }
    expect(rejects.every((r) => r.event_type === "geo" || r.event_type === "user")).toBe(true)
  })

describe("geo and user events through the whole pipeline on in-memory Layers", () => {
  it("every accepted event ends as its ind's row or one reject of its type; the last clean version wins", async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (generated) => {
        // one partition: the versions of an ind are in offset order whatever its key hashes to
        const env = PipelineEnv(
          InMemoryLog.layerPartitions(1),
          Layer.mergeAll(PinStore.layerMemory, AnalyticsStore.layerMemory)
        )
        await Effect.runPromise(runCase(generated).pipe(Effect.provide(env), Effect.scoped))
      }),
      { numRuns: Number(process.env.PIPELINE_RUNS ?? 60), seed: Number(process.env.PIPELINE_SEED ?? 20261201) }
    )
  }, 60_000)
})
