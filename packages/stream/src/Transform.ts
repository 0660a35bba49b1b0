/**
 * The pure step of the worker: a batch of Kafka records becomes the rows to write. Each topic maps to a
 * registered type: its records are cleaned by the type's rules (pins into `pins`, geo and user events
 * into their tables); what does not clean, or is not even JSON, becomes a `stream` reject of that type
 * with its topic/partition/offset. `<topic>.rejected` records (the edge's refusals) become `ingest`
 * rejects of the type. Every record yields exactly one row: nothing is dropped.
 */
import {
  type EventTopic,
  type PinRow,
  type RejectRow,
  type SourceRecord,
  type StoredEvent,
  type StoredTable,
  storedEventTable,
  type TableRows,
  type WriteBatch
} from "@pinflow/adapters"
import {
  cleanLoggedPinLine,
  describeSchemaError,
  type EventType,
  eventTypes,
  parseJson,
  RejectedEvent,
  stringifyJson
} from "@pinflow/domain"
import { Result, Schema } from "effect"

export interface Topics {
  /** The pins' topics (`eventTopics` may name them too). */
  readonly pinsTopic: string
  readonly rejectedTopic: string
  /** Every registered type's topics (absent: pins only). */
  readonly eventTopics?: ReadonlyArray<EventTopic>
}

/** What a topic's records are: events of a type, or the edge's refusals of it. */
interface Route {
  readonly type: EventType
  readonly rejected: boolean
}

const pinType = eventTypes.find((t) => t.name === "pin") as EventType

const routeMaps = new WeakMap<Topics, ReadonlyMap<string, Route>>()

/** Topic → route, built once per settings object; the pins' topics as `Topics` names them. */
const routesOf = (topics: Topics): ReadonlyMap<string, Route> => {
  const known = routeMaps.get(topics)
  if (known !== undefined) return known
  const routes = new Map<string, Route>()
  for (const t of topics.eventTopics ?? []) {
    const type = eventTypes.find((e) => e.name === t.type)
    if (type === undefined || type.name === "pin") continue
    routes.set(t.topic, { type, rejected: false })
    routes.set(t.rejected, { type, rejected: true })
  }
  routes.set(topics.pinsTopic, { type: pinType, rejected: false })
  routes.set(topics.rejectedTopic, { type: pinType, rejected: true })
  routeMaps.set(topics, routes)
  return routes
}

/** A record on a topic no type names is read as the pins' (the worker subscribes to known topics only). */
const routeOf = (topics: Topics, topic: string): Route =>
  routesOf(topics).get(topic) ?? { type: pinType, rejected: false }

/** The reject's `event_type`: absent for pins (stored as `pin`), the type's name otherwise. */
const typed = (type: EventType): { readonly event_type?: string } =>
  type.name === "pin" ? {} : { event_type: type.name }

/**
 * Already what `toISOString` prints, and a day every month has (Date.parse rolls 2026-02-30 over to
 * March): the edge stamps every event this way, so the common case skips a parse and a format.
 */
const canonicalIso = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/

/** An ISO 8601 UTC time for any time `Date.parse` reads; the input unchanged otherwise. */
export const isoTime = (time: string): string => {
  if (canonicalIso.test(time)) return time
  const millis = Date.parse(time)
  return Number.isNaN(millis) ? time : new Date(millis).toISOString()
}

const coordinates = (record: SourceRecord) => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset
})

/** A record its type's cleaning refused: a `stream` reject with its raw payload and coordinates. */
const cleaningReject = (
  record: SourceRecord,
  now: string,
  reason: string,
  detail: string,
  key: string | undefined
): RejectRow => ({
  reason,
  detail,
  unique_id: key ?? null,
  raw: record.value,
  source: "stream",
  ...coordinates(record),
  rejected_at: now
})

const pinRecord = (record: SourceRecord, now: string): { pin: PinRow } | { reject: RejectRow } =>
  Result.match(cleanLoggedPinLine(record.value), {
    onSuccess: (pin) => ({
      pin: {
        ...pin,
        ingested_at: pin.ingested_at === undefined ? null : isoTime(pin.ingested_at),
        ...coordinates(record)
      }
    }),
    onFailure: (rejection) => ({
      reject: cleaningReject(record, now, rejection.reason, rejection.detail, rejection.unique_id)
    })
  })

const decodeRejected = Schema.decodeUnknownResult(RejectedEvent, { errors: "all" })

const rejectedRecord = (record: SourceRecord, now: string): RejectRow => {
  const base = { raw: record.value, source: "ingest" as const, ...coordinates(record), rejected_at: now }
  const parsed = parseJson(record.value)
  if (Result.isFailure(parsed))
    return { ...base, reason: "invalid_json", detail: `${record.topic} record: ${parsed.failure}`, unique_id: null }
  return Result.match(decodeRejected(parsed.success), {
    onSuccess: (event) => ({
      ...base,
      reason: event.reason,
      detail: event.detail,
      unique_id: event.unique_id ?? null,
      raw: typeof event.raw === "string" ? event.raw : stringifyJson(event.raw),
      // RejectedEvent.rejected_at is a real instant PostgreSQL accepts (IsoInstant)
      rejected_at: isoTime(event.rejected_at)
    }),
    onFailure: (error) => ({
      ...base,
      reason: "schema",
      detail: `${record.topic} record is not a rejected event: ${describeSchemaError(error, parsed.success)}`,
      unique_id: null
    })
  })
}

/** What was thrown, as text; never throws itself (a thrown value may have a hostile `toString`). */
export const thrownText = (thrown: unknown): string => {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)
  } catch {
    return "an unprintable value"
  }
}

/**
 * A record whose cleaning threw (a bug, or an input no rule foresaw): kept as an `unstorable` reject with
 * its raw payload, so one record can never stop the batch it is in.
 */
export const failedRecord = (record: SourceRecord, topics: Topics, thrown: unknown, now: string): RejectRow => {
  const route = routeOf(topics, record.topic)
  return {
    ...typed(route.type),
    reason: "unstorable",
    detail: `the worker could not clean this record: ${thrownText(thrown)}`,
    unique_id: null,
    raw: record.value,
    source: route.rejected ? "ingest" : "stream",
    ...coordinates(record),
    rejected_at: now
  }
}

/** A geo or user record: its clean row with the coordinates, or a `stream` reject of its type. */
const eventRecord = (
  type: EventType,
  record: SourceRecord,
  now: string
): { row: StoredEvent } | { reject: RejectRow } =>
  Result.match(type.cleanLine(record.value), {
    onSuccess: (clean) => ({ row: { clean, ...coordinates(record) } }),
    onFailure: (rejection) => ({
      reject: {
        event_type: type.name,
        ...cleaningReject(record, now, rejection.reason, rejection.detail, rejection.key)
      }
    })
  })

/**
 * The rows of a batch of records; `now` (ISO 8601) stamps the rejects found here. Total: every record
 * yields one row, whatever its cleaning throws (a try block costs nothing until something throws).
 */
export const toWriteBatch = (records: ReadonlyArray<SourceRecord>, topics: Topics, now: string): WriteBatch => {
  const pins: Array<PinRow> = []
  const rejects: Array<RejectRow> = []
  const tables = new Map<StoredTable<StoredEvent>, Array<StoredEvent>>()
  for (const record of records) {
    try {
      const route = routeOf(topics, record.topic)
      if (route.rejected) {
        rejects.push({ ...rejectedRecord(record, now), ...typed(route.type) })
        continue
      }
      if (route.type === pinType) {
        const outcome = pinRecord(record, now)
        if ("pin" in outcome) pins.push(outcome.pin)
        else rejects.push(outcome.reject)
        continue
      }
      const outcome = eventRecord(route.type, record, now)
      if ("reject" in outcome) rejects.push(outcome.reject)
      else {
        const table = storedEventTable(route.type.table)
        const rows = tables.get(table) ?? []
        rows.push(outcome.row)
        tables.set(table, rows)
      }
    } catch (thrown) {
      rejects.push(failedRecord(record, topics, thrown, now))
    }
  }
  if (tables.size === 0) return { pins, rejects }
  const stored: Array<TableRows> = [...tables].map(([table, rows]) => ({ table, rows }))
  return { pins, tables: stored, rejects }
}

/** A pin the database refused (e.g. a NUL character in its text), kept as a reject instead. */
export const unstorable = (pin: PinRow, raw: string, cause: string, now: string): RejectRow => ({
  reason: "unstorable",
  detail: `the database refused this pin: ${cause}`,
  unique_id: pin.unique_id,
  raw,
  source: "stream",
  topic: pin.topic,
  partition: pin.partition,
  offset: pin.offset,
  rejected_at: now
})

/** A row of another type the database refused, kept as a reject of that type instead. */
export const unstorableEvent = (
  eventType: string,
  key: string | null,
  origin: { readonly topic: string | null; readonly partition: number | null; readonly offset: number | null },
  raw: string,
  cause: string,
  now: string
): RejectRow => ({
  event_type: eventType,
  reason: "unstorable",
  detail: `the database refused this ${eventType} event: ${cause}`,
  unique_id: key,
  raw,
  source: "stream",
  topic: origin.topic,
  partition: origin.partition,
  offset: origin.offset,
  rejected_at: now
})
