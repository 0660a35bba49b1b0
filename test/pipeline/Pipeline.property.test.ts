/**
 * The whole pipeline on its in-memory Layers, as one property: generated requests go through the edge's
 * real HTTP handlers (ingest) onto the in-process log, the stream worker turns the log into rows and
 * rejects in the in-memory store, and the batch archives the same records and processes each day.
 * Whatever is posted: the edge never answers 5xx, no stage fails or dies, every record of an accepted
 * event ends as exactly one reject or as the row of its id (or is superseded by a later version of that
 * id), every record of a refused one as an `ingest` reject, good events land whatever their neighbours
 * are, and the batch agrees with the stream on which events are clean. It runs on the in-process log and
 * on the durable embedded log of `pinflow start` (small segments, a fresh folder per case).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import {
  AnalyticsStore,
  InMemoryLog,
  type LogRecord,
  ObjectStore,
  PinLog,
  PinSource,
  PinStore,
  PinStoreMemory
} from "@pinflow/adapters"
import { EmbeddedLog } from "@pinflow/adapters/EmbeddedLog"
import { archive, BatchSettings, processDay } from "@pinflow/batch"
import { IngestRoutes } from "@pinflow/ingest/IngestHttp"
import { IngestSettings } from "@pinflow/ingest/IngestSettings"
import { runWorker, StreamSettings } from "@pinflow/stream"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Layer, References } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Request, requests } from "./Requests.ts"

const topics = { pins: "pins", rejected: "pins.rejected" } as const

const PipelineEnv = (log: Layer.Layer<InMemoryLog, unknown>) =>
  Layer.mergeAll(
    HttpRouter.serve(IngestRoutes, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provide(IngestSettings.layerWith({})),
      Layer.provideMerge(NodeHttpServer.layerTest)
    ),
    PinSource.layerMemory,
    PinStore.layerMemory,
    // small batches and a short window: a bad record shares its batch with good ones
    StreamSettings.layerWith({ batchSize: 8, batchWindow: Duration.millis(2), writeConcurrency: 2 }),
    ObjectStore.layerMemory,
    AnalyticsStore.layerMemory,
    BatchSettings.layerWith({ partMaxBytes: 64 * 1024 })
  ).pipe(
    Layer.provideMerge(PinLog.layerMemoryWith({ linger: 0 })),
    Layer.provideMerge(log),
    Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, "Error"))
  )

/** The logs the pipeline runs on, each fresh for one case. */
const logs: ReadonlyArray<{
  readonly name: string
  readonly runs: number
  readonly fresh: () => { layer: Layer.Layer<InMemoryLog, unknown>; done: () => void }
}> = [
  {
    name: "the in-process log",
    runs: 60,
    fresh: () => ({ layer: InMemoryLog.layerPartitions(2), done: () => undefined })
  },
  {
    name: "the durable embedded log",
    runs: 25,
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), "pinflow-pipeline-"))
      return {
        // small segments so cases roll them; a group that never commits keeps every record readable here
        layer: EmbeddedLog.layer(join(dir, "log"), {
          defaultPartitions: 2,
          segmentBytes: 16 * 1024,
          readBytes: 8 * 1024,
          retainFor: () => ["pipeline-test-reader"]
        }),
        done: () => rmSync(dir, { recursive: true, force: true })
      }
    }
  }
]

interface Answer {
  readonly request: Request
  readonly status: number
  readonly json: unknown
}

const post = (base: string, request: Request) =>
  Effect.promise(async (): Promise<Answer> => {
    const response = await fetch(`${base}${request.path}`, {
      method: "POST",
      body: request.body,
      headers: request.contentType === "" ? {} : { "content-type": request.contentType }
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new Error(`${response.status} answer is not JSON: ${text.slice(0, 200)}`)
    }
    return { request, status: response.status, json }
  })

/** Every record of the topic, read to its end offsets (a read may return only part of them). */
const allRecords = (topic: string) =>
  Effect.gen(function* () {
    const log = yield* InMemoryLog
    const out: Array<LogRecord> = []
    for (let p = 0; p < (yield* log.partitions(topic)); p++) {
      const end = yield* log.endOffset(topic, p)
      let next = log.startOffset
      while (next < end) {
        const records = yield* log.read(topic, p, next, 10_000)
        const last = records.at(-1)
        if (last === undefined) throw new Error(`${topic}/${p}: nothing to read at ${next}, end ${end}`)
        out.push(...records)
        next = last.offset + 1
      }
    }
    return out
  })

/** Whether the stream group has committed every record of both topics. */
const caughtUp = Effect.gen(function* () {
  const log = yield* InMemoryLog
  for (const topic of [topics.pins, topics.rejected])
    for (let p = 0; p < (yield* log.partitions(topic)); p++)
      if ((yield* log.committed("pinflow-stream", topic, p)) < (yield* log.endOffset(topic, p))) return false
  return true
})

/**
 * How many events the edge accepted and how many it refused (each refused one is kept on the rejected
 * topic), checking the status and that every good item was accepted.
 */
const checkAnswer = (answer: Answer) => {
  const where = `${answer.request.path} ${JSON.stringify(answer.request.body.slice(0, 300))}`
  expect([200, 400, 413, 415], `status of ${where}: ${JSON.stringify(answer.json)}`).toContain(answer.status)
  const json = answer.json as Record<string, unknown>
  const goods = answer.request.items.flatMap((item, position) => (item.good ? [{ item, position }] : []))
  if (answer.request.path === "/pin/") {
    if (goods.length > 0) expect(answer.status, `a good event refused: ${where}`).toBe(200)
    const refused = answer.status === 400 || (answer.status === 413 && json.reason === "too_large")
    return { accepted: answer.status === 200 ? 1 : 0, refused: refused ? 1 : 0 }
  }
  if (!("results" in json)) {
    // the body as a whole was refused (not JSON as a whole, too large, no events): nothing accepted
    expect(answer.status, where).not.toBe(200)
    return { accepted: 0, refused: json.error === "malformed JSON" ? 1 : 0 }
  }
  const results = json.results as ReadonlyArray<{ position: number; status: string; unique_id?: string }>
  for (const { item, position } of goods) {
    const result = results[position]
    // the answer echoes the id as posted; the pin is stored under it trimmed (rule 9)
    expect(
      { position: result?.position, status: result?.status, unique_id: result?.unique_id?.trim() },
      `good event at ${position} of ${where}`
    ).toEqual({ position, status: "accepted", unique_id: item.id })
  }
  const accepted = results.filter((r) => r.status === "accepted").length
  expect([json.accepted, json.rejected], `counts of ${where}`).toEqual([accepted, results.length - accepted])
  return { accepted, refused: results.length - accepted }
}

const runCase = (generated: ReadonlyArray<Request>, log: Layer.Layer<InMemoryLog, unknown>) =>
  Effect.gen(function* () {
    const base = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(address))
    let accepted = 0
    let refused = 0
    for (const request of generated) {
      const counts = checkAnswer(yield* post(base, request))
      accepted += counts.accepted
      refused += counts.refused
    }

    // stream: run the worker until it committed everything, then stop it; it must not have failed
    const stop = yield* Deferred.make<void>()
    const worker = yield* Effect.forkChild(runWorker(stop))
    for (let i = 0; !(yield* caughtUp); i++) {
      const early = worker.pollUnsafe()
      if (early !== undefined)
        throw new Error(
          `the stream worker ended early: ${Cause.pretty(Exit.isFailure(early) ? early.cause : Cause.empty)}`
        )
      if (i > 5000) throw new Error("the stream worker did not catch up in 10 s")
      yield* Effect.sleep("2 millis")
    }
    yield* Deferred.succeed(stop, undefined)
    const stopped = yield* Fiber.await(worker)
    if (Exit.isFailure(stopped)) throw new Error(`the stream worker failed: ${Cause.pretty(stopped.cause)}`)

    const pinRecords = yield* allRecords(topics.pins)
    const rejectedRecords = yield* allRecords(topics.rejected)
    expect(pinRecords.length, "one pins record per accepted event").toBe(accepted)
    expect(rejectedRecords.length, "one pins.rejected record per refused event (audit)").toBe(refused)

    const memory = yield* PinStoreMemory
    const rows = [...(yield* memory.pins).values()]
    const rejects = yield* memory.rejects
    const at = (topic: string | null, partition: number | null, offset: number | null) =>
      `${topic}/${partition}/${offset}`
    const rejectedAt = new Map<string, number>()
    for (const r of rejects)
      rejectedAt.set(at(r.topic, r.partition, r.offset), (rejectedAt.get(at(r.topic, r.partition, r.offset)) ?? 0) + 1)
    expect(
      [...rejectedAt.values()].every((n) => n === 1),
      "at most one reject per record"
    ).toBe(true)
    const rowAt = new Map(rows.map((row) => [at(row.topic, row.partition, row.offset), row]))
    expect(rowAt.size, "rows come from distinct records").toBe(rows.length)

    // every refused event's audit record is one `ingest` reject
    for (const record of rejectedRecords) {
      const key = at(record.topic, record.partition, record.offset)
      expect(rejects.find((r) => at(r.topic, r.partition, r.offset) === key)?.source, `pins.rejected ${key}`).toBe(
        "ingest"
      )
    }

    // every accepted record: exactly one reject, or the row of its id, or superseded by a later clean version
    const cleanByDay = new Map<string, Set<string>>()
    const rejectedByDay = new Map<string, number>()
    for (const record of pinRecords) {
      const key = at(record.topic, record.partition, record.offset)
      const event = JSON.parse(record.value) as { unique_id: string; ingested_at: string }
      const day = event.ingested_at.slice(0, 10)
      if (rejectedAt.has(key)) {
        expect(rowAt.has(key), `${key} is both a row and a reject`).toBe(false)
        rejectedByDay.set(day, (rejectedByDay.get(day) ?? 0) + 1)
        continue
      }
      const id = event.unique_id.trim()
      cleanByDay.set(day, (cleanByDay.get(day) ?? new Set()).add(id))
      const row = rows.find((r) => r.unique_id === id)
      expect(row, `${key} (${id}) is neither a row nor a reject: ${record.value.slice(0, 300)}`).toBeDefined()
      if (row !== undefined && row.offset !== record.offset) {
        // superseded: the row is a later version (same key, same partition; the edge stamps in order)
        expect(
          row.partition === record.partition && (row.offset ?? -1) > record.offset,
          `${key} lost to an older version`
        ).toBe(true)
      }
    }
    // no row from nowhere
    for (const row of rows)
      expect(
        pinRecords.some((r) => at(r.topic, r.partition, r.offset) === at(row.topic, row.partition, row.offset))
      ).toBe(true)

    // batch: archive the same records and process every day; it agrees with the stream
    const archived = yield* archive()
    expect(archived.events, "archive read every record").toBe(pinRecords.length)
    for (const day of archived.days) {
      const summary = yield* processDay(day)
      expect({ day, pins: summary.pins, rejects: summary.rejects }, "batch vs stream").toEqual({
        day,
        pins: cleanByDay.get(day)?.size ?? 0,
        rejects: rejectedByDay.get(day) ?? 0
      })
    }
    expect(archived.unreadable, "records without a readable ingested_at").toBe(0)
  }).pipe(Effect.scoped, Effect.provide(PipelineEnv(log)))

describe("the whole pipeline on in-memory Layers", () => {
  for (const log of logs)
    it(`on ${log.name}: no request stops, stalls or corrupts a stage; every accepted event ends as one row or one reject`, async () => {
      await fc.assert(
        fc.asyncProperty(requests, async (generated) => {
          const fresh = log.fresh()
          try {
            await Effect.runPromise(runCase(generated, fresh.layer))
          } finally {
            fresh.done()
          }
        }),
        {
          numRuns: Number(process.env.PIPELINE_RUNS ?? log.runs),
          seed: Number(process.env.PIPELINE_SEED ?? 20261201),
          interruptAfterTimeLimit: 20_000,
          markInterruptAsFailure: false
        }
      )
    }, 40_000)
})
