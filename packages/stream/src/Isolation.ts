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
  type PinRow,
  PinStore,
  PinStoreError,
  type RejectRow,
  type WriteBatch,
  type WriteResult
} from "@pinflow/adapters"
import { Clock, Effect } from "effect"
import { thrownText, unstorable } from "./Transform.ts"

const zero: WriteResult = { pins: 0, rejects: 0 }

const sum = (a: WriteResult, b: WriteResult): WriteResult => ({ pins: a.pins + b.pins, rejects: a.rejects + b.rejects })

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

const coordinatesOf = (row: PinRow | RejectRow) => ({
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
              zero
            )
        )
    )
  })

/**
 * Writes `batch`, isolating what the store refuses (see the module comment). Fails only with a connectivity
 * `PinStoreError`. `rawOf` gives a pin's payload as received (looked up only for a refused pin).
 */
export const writeIsolating = (
  batch: WriteBatch,
  rawOf: (pin: PinRow) => string
): Effect.Effect<WriteResult, PinStoreError, PinStore> =>
  Effect.gen(function* () {
    const store = yield* PinStore
    const write = (part: WriteBatch): Effect.Effect<WriteResult, PinStoreError> =>
      unlessConnectivity(attempt(store, part), (refusal) => isolate(part, refusal))
    const isolate = (part: WriteBatch, refusal: PinStoreError): Effect.Effect<WriteResult, PinStoreError> =>
      Effect.gen(function* () {
        const size = part.pins.length + part.rejects.length
        if (size > 1) {
          // halves of the rows in order, pins first: a pin and a reject are split like two pins
          const half = Math.ceil(size / 2)
          const first = {
            pins: part.pins.slice(0, half),
            rejects: part.rejects.slice(0, Math.max(0, half - part.pins.length))
          }
          const second = {
            pins: part.pins.slice(half),
            rejects: part.rejects.slice(Math.max(0, half - part.pins.length))
          }
          return sum(yield* write(first), yield* write(second))
        }
        const [pin] = part.pins
        const [reject] = part.rejects
        if (pin !== undefined) {
          yield* Effect.logWarning("pin refused by the database, kept as a reject").pipe(
            Effect.annotateLogs({ ...coordinatesOf(pin), unique_id: pin.unique_id, error: causeText(refusal) })
          )
          const row = unstorable(pin, rawOf(pin), causeText(refusal), yield* nowIso)
          return yield* unlessConnectivity(attempt(store, { pins: [], rejects: [row] }), (second) =>
            storeRefusedReject(store, row, second)
          )
        }
        if (reject !== undefined) return yield* storeRefusedReject(store, reject, refusal)
        return zero
      })
    return yield* write(batch)
  })
