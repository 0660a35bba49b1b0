/**
 * Writing a batch so that no single row can stop it (design.md "Poison"). The batch is written whole; only
 * when the store refuses it for any reason but connectivity (a value, a conflict, a bug — or a defect) is it
 * halved, down to the single row at fault, whatever kind of row it is:
 * - a pin refused alone becomes an `unstorable` reject with its raw payload;
 * - a reject refused alone is stored in a last-resort form (text JSON-escaped: well-formed, no NUL; the
 *   worker's own `rejected_at`), and if even that is refused, as its coordinates with a minimal detail.
 * Connectivity failures are not isolated: they fail the whole write, which the caller retries later.
 */
import {
  nothingWritten,
  type PinRow,
  PinStore,
  PinStoreError,
  type RejectRow,
  type StoredEvent,
  sumWritten,
  type TableRows,
  type WriteBatch,
  type WriteResult
} from "@pinflow/adapters"
import { eventTypes } from "@pinflow/domain"
import { Clock, Effect } from "effect"
import { thrownText, unstorable, unstorableEvent } from "./Transform.ts"

/** One row of a batch, whatever its kind: the unit isolation halves. */
type Unit =
  | { readonly _tag: "pin"; readonly pin: PinRow }
  | {
      readonly _tag: "event"
      readonly table: TableRows["table"]
      readonly event_type: string
      readonly row: StoredEvent
    }
  | { readonly _tag: "reject"; readonly reject: RejectRow }

/** The batch's rows in order: pins, each table's rows, rejects. */
const unitsOf = (batch: WriteBatch, typeOf: (table: string) => string): Array<Unit> => [
  ...batch.pins.map((pin) => ({ _tag: "pin" as const, pin })),
  ...(batch.tables ?? []).flatMap(({ table, rows }) =>
    rows.map((row) => ({ _tag: "event" as const, table, event_type: typeOf(table.name), row: row as StoredEvent }))
  ),
  ...batch.rejects.map((reject) => ({ _tag: "reject" as const, reject }))
]

/** The key of an event row, as its table keys it. */
const keyOf = (unit: Extract<Unit, { _tag: "event" }>): string | null => {
  const key = unit.table.columns.find((c) => c.name === unit.table.key)?.value(unit.row)
  return key === null || key === undefined ? null : String(key)
}

/** The batch of `units`: one entry per table, rows in order. */
const batchOf = (units: ReadonlyArray<Unit>): WriteBatch => {
  const pins: Array<PinRow> = []
  const rejects: Array<RejectRow> = []
  const tables = new Map<TableRows["table"], Array<StoredEvent>>()
  for (const unit of units) {
    if (unit._tag === "pin") pins.push(unit.pin)
    else if (unit._tag === "reject") rejects.push(unit.reject)
    else {
      const rows = tables.get(unit.table) ?? []
      rows.push(unit.row)
      tables.set(unit.table, rows)
    }
  }
  return tables.size === 0
    ? { pins, rejects }
    : { pins, tables: [...tables].map(([table, rows]) => ({ table, rows })), rejects }
}

const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** Text as a JSON string literal: lone surrogates, NUL and other controls written as `\uXXXX` escapes. */
export const escapedText = (text: string): string => JSON.stringify(text)

/** The same without the quotes, cut to `max` characters, for short fields (reason, detail, id). */
const escapedInner = (text: string, max: number): string => escapedText(text).slice(1, -1).slice(0, max)

/** The database's message (a PostgresError is an Error), or whatever was thrown, as text. */
const causeText = (error: PinStoreError): string =>
  error.cause instanceof Error ? error.cause.message : thrownText(error.cause)

/** The store's answer, a defect of the store included (as a non-connectivity failure: isolate). */
const attempt = (store: PinStore["Service"], batch: WriteBatch) =>
  Effect.suspend(() => store.writeBatch(batch)).pipe(
    Effect.catchDefect((defect) => Effect.fail(new PinStoreError({ connectivity: false, cause: defect })))
  )

/** Runs `write`; a failure that is not connectivity goes to `onRefused`, connectivity fails as it is. */
const unlessConnectivity = <R>(
  write: Effect.Effect<WriteResult, PinStoreError, R>,
  onRefused: (error: PinStoreError) => Effect.Effect<WriteResult, PinStoreError, R>
) => Effect.catchIf(write, (error) => !error.connectivity, onRefused)

/** A reject the database refused, with every text escaped and a time it accepts. */
export const lastResort = (reject: RejectRow, cause: string, now: string): RejectRow => ({
  ...(reject.event_type === undefined ? {} : { event_type: escapedInner(reject.event_type, 64) }),
  reason: escapedInner(reject.reason, 64),
  detail: `the database refused this reject (${escapedInner(cause, 1000)}); stored in last-resort form, text JSON-escaped; detail: ${escapedInner(reject.detail, 10_000)}`,
  unique_id: reject.unique_id === null ? null : escapedInner(reject.unique_id, 1024),
  raw: escapedText(reject.raw),
  source: reject.source,
  topic: reject.topic,
  partition: reject.partition,
  offset: reject.offset,
  rejected_at: now
})

/** The coordinates only: what is left when even the last-resort form is refused. */
export const minimalReject = (reject: RejectRow, cause: string, now: string): RejectRow => ({
  ...(reject.event_type === undefined ? {} : { event_type: escapedInner(reject.event_type, 64) }),
  reason: "unstorable",
  detail: `the database refused this reject even in its last-resort form: ${escapedInner(cause, 1000)}`,
  unique_id: null,
  raw: "",
  source: reject.source,
  topic: reject.topic,
  partition: reject.partition,
  offset: reject.offset,
  rejected_at: now
})

const coordinatesOf = (row: { topic: string | null; partition: number | null; offset: number | null }) => ({
  topic: row.topic ?? "",
  partition: row.partition ?? -1,
  offset: row.offset ?? -1
})

/** A reject the database refused as it is: its last-resort form, then its coordinates, then a loud log. */
const storeRefusedReject = (store: PinStore["Service"], reject: RejectRow, refusal: PinStoreError) =>
  Effect.gen(function* () {
    const now = yield* nowIso
    yield* Effect.logWarning("reject refused by the database, stored in last-resort form").pipe(
      Effect.annotateLogs({ ...coordinatesOf(reject), error: causeText(refusal) })
    )
    return yield* unlessConnectivity(
      attempt(store, { pins: [], rejects: [lastResort(reject, causeText(refusal), now)] }),
      (second) =>
        unlessConnectivity(
          attempt(store, { pins: [], rejects: [minimalReject(reject, causeText(second), now)] }),
          (third) =>
            // nothing left to simplify; retrying would stall the partition forever
            Effect.as(
              Effect.logError("reject refused even as bare coordinates: not stored").pipe(
                Effect.annotateLogs({ ...coordinatesOf(reject), error: causeText(third) })
              ),
              nothingWritten
            )
        )
    )
  })

/** The registry name of the type a table holds. */
const typeOfTable = (table: string): string => eventTypes.find((t) => t.table.name === table)?.name ?? table

/** Where a row came from: its Kafka coordinates (null when none). */
export interface RowOrigin {
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
}

/**
 * Writes `batch`, isolating what the store refuses (see the module comment). Fails only with a connectivity
 * `PinStoreError`. `rawOf` gives a row's payload as received (looked up only for a refused row); `typeOf`
 * the registry name of a table's type (the `event_type` of its unstorable rejects).
 */
export const writeIsolating = (
  batch: WriteBatch,
  rawOf: (origin: RowOrigin, row: unknown) => string,
  typeOf: (table: string) => string = typeOfTable
): Effect.Effect<WriteResult, PinStoreError, PinStore> =>
  Effect.gen(function* () {
    const store = yield* PinStore
    const write = (part: ReadonlyArray<Unit>): Effect.Effect<WriteResult, PinStoreError> =>
      unlessConnectivity(attempt(store, batchOf(part)), (refusal) => isolate(part, refusal))
    const isolate = (part: ReadonlyArray<Unit>, refusal: PinStoreError): Effect.Effect<WriteResult, PinStoreError> =>
      Effect.gen(function* () {
        if (part.length > 1) {
          // halves of the rows in order, whatever their kinds: a pin and a reject are split like two pins
          const half = Math.ceil(part.length / 2)
          return sumWritten(yield* write(part.slice(0, half)), yield* write(part.slice(half)))
        }
        const [unit] = part
        if (unit === undefined) return nothingWritten
        if (unit._tag === "reject") return yield* storeRefusedReject(store, unit.reject, refusal)
        const now = yield* nowIso
        const row =
          unit._tag === "pin"
            ? unstorable(unit.pin, rawOf(unit.pin, unit.pin), causeText(refusal), now)
            : unstorableEvent(
                unit.event_type,
                keyOf(unit),
                unit.row,
                rawOf(unit.row, unit.row.clean),
                causeText(refusal),
                now
              )
        yield* Effect.logWarning(`${row.event_type ?? "pin"} refused by the database, kept as a reject`).pipe(
          Effect.annotateLogs({
            ...coordinatesOf(unit._tag === "pin" ? unit.pin : unit.row),
            key: row.unique_id,
            error: causeText(refusal)
          })
        )
        return yield* unlessConnectivity(attempt(store, { pins: [], rejects: [row] }), (second) =>
          storeRefusedReject(store, row, second)
        )
      })
    return yield* write(unitsOf(batch, typeOf))
  })
