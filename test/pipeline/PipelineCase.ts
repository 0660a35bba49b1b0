/**
 * One case of the whole-pipeline property: generated requests go through the edge's
 * real HTTP handlers (ingest) onto the in-process log, the stream worker turns the log into rows and
 * rejects in the in-memory store, and the batch archives the same records and processes each day.
 * Whatever is posted: the edge never answers 5xx, no stage fails or dies, every record of an accepted
 * event ends as exactly one reject or as the row of its id (or is superseded by a later version of that
 * id), every record of a refused one as an `ingest` reject, good events land whatever their neighbours
 * are, and the batch agrees with the stream on which events are clean. The log and the stores are given:
 * in memory (Pipeline.property.test.ts) or PostgreSQL (Pipeline.postgres.integration.test.ts).
 */
import { NodeHttpServer } from "@effect/platform-node"
import {
  type AnalyticsStore,
  InMemoryLog,
  type LogRecord,
  ObjectStore,
  PinLog,
  PinSource,
  type PinStore,
  PinStoreMemory
} from "@pinflow/adapters"
import { archive, BatchSettings, processDay } from "@pinflow/batch"
import { IngestRoutes } from "@pinflow/ingest/IngestHttp"
import { IngestSettings } from "@pinflow/ingest/IngestSettings"
import { runWorker, StreamSettings } from "@pinflow/stream"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Layer, References } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { expect } from "vitest"
import type { Case, Request } from "./Requests.ts"

const topics = { pins: "pins", rejected: "pins.rejected" } as const

/** Where a case's rows and rejects are read back: Kafka coordinates of each. */
export interface Stored {
  readonly rows: ReadonlyArray<{
    readonly unique_id: string
    readonly topic: string | null
    readonly partition: number | null
    readonly offset: number | null
  }>
  readonly rejects: ReadonlyArray<{
    readonly source: string
    readonly topic: string | null
    readonly partition: number | null
    readonly offset: number | null
  }>
}

/** The rows of the in-memory store. */
export const storedInMemory: Effect.Effect<Stored, never, PinStoreMemory> = Effect.gen(function* () {
  const memory = yield* PinStoreMemory
  return { rows: [...(yield* memory.pins).values()], rejects: yield* memory.rejects }
})

/** The edge, the worker's and the batch's settings, and the memory object store, over `log` and `stores`. */
export const PipelineEnv = <E1, E2, S>(
  log: Layer.Layer<InMemoryLog, E1>,
  stores: Layer.Layer<PinStore | AnalyticsStore | S, E2>
) =>
  Layer.mergeAll(
    HttpRouter.serve(IngestRoutes, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provide(IngestSettings.layerWith({})),
      Layer.provideMerge(NodeHttpServer.layerTest)
    ),
    PinSource.layerMemory,
    stores,
    // small batches and a short window: a bad record shares its batch with good ones
    StreamSettings.layerWith({ batchSize: 8, batchWindow: Duration.millis(2), writeConcurrency: 2 }),
    ObjectStore.layerMemory,
    BatchSettings.layerWith({ partMaxBytes: 64 * 1024 })
  ).pipe(
    Layer.provideMerge(PinLog.layerMemoryWith({ linger: 0 })),
    Layer.provideMerge(log),
    Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, "Error"))
  )

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

/** A record's event when it is a JSON object with a string id and a readable time (epoch ms); else undefined. */
const eventOf = (value: string): { readonly unique_id: string; readonly time: number } | undefined => {
  try {
    const event = JSON.parse(value) as { unique_id?: unknown; ingested_at?: unknown }
    const time = typeof event.ingested_at === "string" ? Date.parse(event.ingested_at) : Number.NaN
    return typeof event.unique_id === "string" && !Number.isNaN(time) ? { unique_id: event.unique_id, time } : undefined
  } catch {
    return undefined
  }
}

/** Runs one case in `env` (a fresh `PipelineEnv`), reading what was stored with `stored`. */
export const runCase = <E, R, RS>(generated: Case, env: Layer.Layer<R, E>, stored: Effect.Effect<Stored, never, RS>) =>
  Effect.gen(function* () {
    const base = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(address))
    let accepted = 0
    let refused = 0
    // in order, or all at once (concurrent requests share the edge's sends)
    const answers = yield* Effect.forEach(generated.requests, (request) => post(base, request), {
      concurrency: generated.concurrent ? "unbounded" : 1
    })
    for (const answer of answers) {
      const counts = checkAnswer(answer)
      accepted += counts.accepted
      refused += counts.refused
    }
    // records of another producer: the stream and the batch must be total on their own
    if (generated.foreign.length > 0) yield* (yield* InMemoryLog).append(topics.pins, generated.foreign)

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
    expect(pinRecords.length, "one pins record per accepted event (and per foreign one)").toBe(
      accepted + generated.foreign.length
    )
    expect(rejectedRecords.length, "one pins.rejected record per refused event (audit)").toBe(refused)

    const { rows, rejects } = yield* stored
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

    // every record: exactly one reject, or the row of its id, or superseded by a later clean version
    const cleanByDay = new Map<string, Set<string>>()
    let streamRejected = 0
    for (const record of pinRecords) {
      const key = at(record.topic, record.partition, record.offset)
      if (rejectedAt.has(key)) {
        expect(rowAt.has(key), `${key} is both a row and a reject`).toBe(false)
        streamRejected += 1
        continue
      }
      // a row: then it was a JSON object with a string id and a real time (the edge's, or a foreign one)
      const event = eventOf(record.value)
      expect(event, `${key} is neither a row nor a reject: ${record.value.slice(0, 300)}`).toBeDefined()
      if (event === undefined) continue
      const id = event.unique_id.trim()
      const day = new Date(event.time).toISOString().slice(0, 10)
      cleanByDay.set(day, (cleanByDay.get(day) ?? new Set()).add(id))
      const row = rows.find((r) => r.unique_id === id)
      expect(row, `${key} (${id}) is neither a row nor a reject: ${record.value.slice(0, 300)}`).toBeDefined()
      if (row !== undefined && row.offset !== record.offset) {
        // superseded by a later version: the later ingested_at, then the later offset (one key, one partition)
        const winner = pinRecords.find((r) => r.partition === row.partition && r.offset === row.offset)
        const winnerAt = winner === undefined ? Number.NaN : (eventOf(winner.value)?.time ?? Number.NaN)
        expect(
          row.partition === record.partition &&
            (winnerAt > event.time || (winnerAt === event.time && (row.offset ?? -1) > record.offset)),
          `${key} (${event.time}) lost to an older version (${winnerAt}, offset ${row.offset})`
        ).toBe(true)
      }
    }
    // no row from nowhere
    for (const row of rows)
      expect(
        pinRecords.some((r) => at(r.topic, r.partition, r.offset) === at(row.topic, row.partition, row.offset))
      ).toBe(true)

    // batch: archive the same records and process every day; it agrees with the stream
    const archived = yield* archive("pin")
    expect(archived.events, "archive read every record").toBe(pinRecords.length)
    let batchRejected = archived.unreadable
    for (const day of archived.days) {
      const summary = yield* processDay(day)
      expect({ day, pins: summary.pins }, "batch vs stream: distinct clean pins of the day").toEqual({
        day,
        pins: cleanByDay.get(day)?.size ?? 0
      })
      batchRejected += summary.rejects
    }
    expect(
      [...cleanByDay.keys()].filter((day) => !archived.days.includes(day)),
      "days the batch missed"
    ).toEqual([])
    expect(batchRejected, "batch vs stream: rejected records (unreadable ones included)").toBe(streamRejected)
  }).pipe(Effect.scoped, Effect.provide(env))
