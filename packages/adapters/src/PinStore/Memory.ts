/**
 * The in-memory `PinStore` with the Postgres semantics (dedupe, newer-version guard, reject replays
 * ignored), plus a handle for tests: the stored rows, how many writes ran, and switches to make the
 * next writes fail or to hold them until released (a slow or unavailable database).
 */
import { Context, Deferred, Effect } from "effect"
import { dedupeLastBy, storedKey, supersedesBy, type TableRows, versioning } from "../EventStore/Table.ts"
import {
  countWritten,
  dedupeLast,
  eventTypeOfTable,
  type PinRow,
  PinStoreError,
  type RejectRow,
  supersedes,
  type TypeWritten,
  type WriteBatch,
  type WriteResult
} from "./Types.ts"

export interface PinStoreMemoryService {
  readonly writeBatch: (batch: WriteBatch) => Effect.Effect<WriteResult, PinStoreError>
  /** Stored pins by `unique_id` (well-formed: lone surrogates replaced by U+FFFD, as Postgres stores them). */
  readonly pins: Effect.Effect<ReadonlyMap<string, PinRow>>
  readonly rejects: Effect.Effect<ReadonlyArray<RejectRow>>
  /** Stored rows of another type's table (`tables` of a write), by stored key. */
  readonly rowsOf: (table: string) => Effect.Effect<ReadonlyMap<string, unknown>>
  /** Successful writes so far, each with the batch it stored (after dedupe). */
  readonly writes: Effect.Effect<ReadonlyArray<WriteBatch>>
  /** Write attempts so far, failed ones included. */
  readonly attempts: Effect.Effect<number>
  /** The next `n` writes fail as if the database were down (`connectivity: true`). */
  readonly failNext: (n: number) => Effect.Effect<void>
  /**
   * Writes containing a pin with one of these ids fail as a refused value (`connectivity: false`), like a
   * NUL in Postgres.
   */
  readonly refuse: (ids: ReadonlyArray<string>) => Effect.Effect<void>
  /** Writes containing a reject that `test` matches fail as a refused value, like a year-0 `rejected_at`. */
  readonly refuseRejects: (test: (reject: RejectRow) => boolean) => Effect.Effect<void>
  /** Writes wait until `release` (a stalled database). */
  readonly hold: Effect.Effect<void>
  readonly release: Effect.Effect<void>
}

export class PinStoreMemory extends Context.Service<PinStoreMemory, PinStoreMemoryService>()(
  "pinflow/adapters/PinStoreMemory"
) {}

const rejectKey = (r: RejectRow): string | null =>
  r.topic === null || r.partition === null || r.offset === null
    ? null
    : `${r.source}\u0000${r.topic}\u0000${r.partition}\u0000${r.offset}`

export const makeMemoryPinStore = Effect.sync(() => {
  const pins = new Map<string, PinRow>()
  const tables = new Map<string, Map<string, unknown>>()
  const rejects: Array<RejectRow> = []
  const rejectKeys = new Set<string>()
  const writes: Array<WriteBatch> = []
  let attempts = 0
  let failures = 0
  let gate: Deferred.Deferred<void> | null = null
  let refused = new Set<string>()
  let refusedReject: (reject: RejectRow) => boolean = () => false

  const writeBatch = (batch: WriteBatch) =>
    Effect.gen(function* () {
      attempts += 1
      if (gate !== null) yield* Deferred.await(gate)
      if (failures > 0) {
        failures -= 1
        return yield* new PinStoreError({
          connectivity: true,
          cause: Object.assign(new Error("simulated outage"), { code: "08006" })
        })
      }
      const bad = batch.pins.find((p) => refused.has(p.unique_id))
      if (bad !== undefined)
        return yield* new PinStoreError({
          connectivity: false,
          cause: Object.assign(new Error(`value refused in pin ${bad.unique_id}`), { code: "22021" })
        })
      const badReject = batch.rejects.find(refusedReject)
      if (badReject !== undefined)
        return yield* new PinStoreError({
          connectivity: false,
          cause: Object.assign(new Error(`value refused in reject at offset ${badReject.offset}`), { code: "22008" })
        })
      let written = 0
      const unique = dedupeLast(batch.pins)
      for (const pin of unique) {
        // keyed as Postgres keys it: lone surrogates arrive there as U+FFFD
        const key = storedKey(pin.unique_id)
        const stored = pins.get(key)
        if (stored === undefined || supersedes(pin, stored)) {
          pins.set(key, pin)
          written += 1
        }
      }
      const byType: Record<string, TypeWritten> = {}
      countWritten(byType, "pin", written, 0)
      let events = 0
      const stored: Array<TableRows> = []
      for (const { table, rows } of batch.tables ?? []) {
        const eventsBefore = events
        const v = versioning(table)
        const supersedes = supersedesBy(v)
        const unique = dedupeLastBy(v, rows)
        const held = tables.get(table.name) ?? new Map<string, unknown>()
        tables.set(table.name, held)
        for (const row of unique) {
          const key = v.key(row)
          const before = held.get(key)
          if (before === undefined || supersedes(row, before)) {
            held.set(key, row)
            events += 1
          }
        }
        stored.push({ table, rows: unique })
        countWritten(byType, eventTypeOfTable(table.name), events - eventsBefore, 0)
      }
      let inserted = 0
      for (const reject of batch.rejects) {
        const key = rejectKey(reject)
        if (key !== null && rejectKeys.has(key)) continue
        if (key !== null) rejectKeys.add(key)
        rejects.push(reject)
        inserted += 1
        countWritten(byType, reject.event_type ?? "pin", 0, 1)
      }
      writes.push(
        stored.length === 0
          ? { pins: unique, rejects: batch.rejects }
          : { pins: unique, tables: stored, rejects: batch.rejects }
      )
      return { pins: written, events, rejects: inserted, byType }
    })

  return PinStoreMemory.of({
    writeBatch,
    pins: Effect.sync(() => new Map(pins)),
    rejects: Effect.sync(() => [...rejects]),
    rowsOf: (table) => Effect.sync(() => new Map(tables.get(table))),
    writes: Effect.sync(() => [...writes]),
    attempts: Effect.sync(() => attempts),
    failNext: (n) =>
      Effect.sync(() => {
        failures = n
      }),
    refuse: (ids) =>
      Effect.sync(() => {
        refused = new Set(ids)
      }),
    refuseRejects: (test) =>
      Effect.sync(() => {
        refusedReject = test
      }),
    hold: Effect.sync(() => {
      gate ??= Deferred.makeUnsafe<void>()
    }),
    release: Effect.sync(() => {
      if (gate !== null) Deferred.doneUnsafe(gate, Effect.void)
      gate = null
    })
  })
})
