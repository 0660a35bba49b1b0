/**
 * The store port of the stream worker: `writeBatch({ pins, rejects })` stores a batch in one transaction
 * — pins upserted on `unique_id` (replays are harmless; the last version wins, within a batch too; an
 * older version never replaces a newer one), rejects inserted once per (source, topic, partition, offset).
 * A failed write stored nothing (`PinStoreError`, with `connectivity: true` when the database was unavailable;
 * otherwise the batch is at fault and the caller isolates the record that causes it).
 *
 * Layers: `PinStore.layer` (Postgres via `Database`; `PIN_STORE_METHOD` unnest|copy picks the pin write
 * path, embedded databases always use unnest; `PIN_STORE_PREPARE` prepared unnest statements, default true), `PinStore.layerMemory` (+ `PinStoreMemory` to read rows and
 * simulate outages in tests).
 */
import { Config, Context, Duration, Effect, Layer } from "effect"
import { Database } from "./Database.ts"
import { makeMemoryPinStore, PinStoreMemory } from "./PinStore/Memory.ts"
import { makePostgresWriter, type WriteMethod } from "./PinStore/Postgres.ts"
import type { PinStoreError, WriteBatch, WriteResult } from "./PinStore/Types.ts"

export * from "./EventStore/Table.ts"
export { textArrayLiteral } from "./PinStore/ArrayLiteral.ts"
export { PinStoreMemory } from "./PinStore/Memory.ts"
export type { WriteMethod } from "./PinStore/Postgres.ts"
export * from "./PinStore/Types.ts"

export class PinStore extends Context.Service<
  PinStore,
  {
    /** Stores the batch in one transaction, or nothing of it. */
    readonly writeBatch: (batch: WriteBatch) => Effect.Effect<WriteResult, PinStoreError>
  }
>()("pinflow/adapters/PinStore") {
  /** `prepare`: the unnest upserts as prepared statements (default; never on an embedded database). */
  static readonly layerMethod = (method: WriteMethod, prepare = true) =>
    Layer.effect(
      PinStore,
      Effect.map(Database, (db) =>
        PinStore.of({
          writeBatch: Effect.fn("PinStore.writeBatch")(
            makePostgresWriter(
              db.sql,
              db.embedded ? "unnest" : method,
              // the server's timeout answers first; this one covers a server that cannot answer at all
              db.statementTimeout === undefined ? undefined : Duration.sum(db.statementTimeout, Duration.seconds(5)),
              prepare && !db.embedded
            )
          )
        })
      )
    )

  /**
   * Postgres; `PIN_STORE_METHOD` (default unnest, the faster here: see packages/stream/README.md),
   * `PIN_STORE_PREPARE` (default true; false behind a pooler that cannot keep prepared statements).
   */
  static readonly layer = Layer.unwrap(
    Config.all({
      method: Config.Literals(["unnest", "copy"], "PIN_STORE_METHOD").pipe(Config.withDefault("unnest" as const)),
      prepare: Config.Boolean("PIN_STORE_PREPARE").pipe(Config.withDefault(true))
    }).pipe(Effect.map(({ method, prepare }) => PinStore.layerMethod(method, prepare)))
  )

  /** In memory; `PinStoreMemory` gives the rows and an outage switch. */
  static readonly layerMemory = Layer.effect(
    PinStore,
    Effect.map(PinStoreMemory, (memory) => PinStore.of({ writeBatch: memory.writeBatch }))
  ).pipe(Layer.provideMerge(Layer.effect(PinStoreMemory, makeMemoryPinStore)))
}
