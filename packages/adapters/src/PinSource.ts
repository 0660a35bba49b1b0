/**
 * The source port: topics consumed in a consumer group as an Effect Stream, offsets committed by the
 * caller once it has stored what it read (at-least-once; make the sink idempotent).
 *
 *   const source = yield* PinSource
 *   const c = yield* source.subscribe({ group: "pinflow-stream", topics: ["pins", "pins.rejected"] }) // scoped
 *   yield* c.records.pipe(Stream.groupedWithin(2000, "200 millis"), Stream.mapEffect((batch) =>
 *     write(batch).pipe(Effect.andThen(c.commit(batch)))), Stream.runDrain)
 *
 * - `subscribe`: unbounded; joins the group, starts from the committed offsets (from the beginning for a
 *   new group). Backpressure is real: records pass through a bounded buffer (`bufferSize`, default 4096)
 *   and the consumer stops fetching while it is full; heartbeats continue so the member keeps its
 *   partitions during a slow or failing sink. Order is kept within a partition.
 * - `readToEnd`: bounded (the batch archive step): snapshots each partition's end offset when called and
 *   ends the stream once every partition has been read up to it; partitions already there contribute
 *   nothing. Commit after your uploads, before the scope closes.
 * - `commit(records)`: for each partition among `records`, commits the offset after the highest one.
 *   Partitions this member lost in a rebalance since the records were read are skipped (another member
 *   owns them now and re-reads from the group's committed offset), and reported in `skipped`.
 * The consumer leaves the group when the scope closes. Layers: `PinSource.layer` (kafkajs, needs
 * `KafkaClient`), `PinSource.layerMemory` (on `InMemoryLog`: one member per group, for tests and the
 * embedded `pinflow start`).
 */
import { Context, Layer } from "effect"
import { makeKafkaPinSource } from "./PinSource/Kafka.ts"
import { makeMemoryPinSource } from "./PinSource/Memory.ts"
import type { PinSourceService } from "./PinSource/Types.ts"

export * from "./PinSource/Types.ts"

export class PinSource extends Context.Service<PinSource, PinSourceService>()("pinflow/adapters/PinSource") {
  /** kafkajs consumers from the shared `KafkaClient`. */
  static readonly layer = Layer.effect(PinSource, makeKafkaPinSource)
  /** Consumers over the in-process `InMemoryLog`. */
  static readonly layerMemory = Layer.effect(PinSource, makeMemoryPinSource)
}
