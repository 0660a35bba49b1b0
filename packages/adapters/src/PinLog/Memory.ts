/**
 * The in-memory PinLog: the real batching queue over an `InMemoryLog`, so tests exercise the same
 * bounds, deadlines and 503 paths as production. `PinLogMemory` lets a test read what was appended,
 * take the log down, or hold sends (as a slow broker would) to fill the queue.
 */
import { type EventTypeName, LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import { Context, Deferred, Effect, Exit, Latch, Schema } from "effect"
import { InMemoryLog } from "../InMemoryLog.ts"
import { defaultEventTopics, type EventTopic } from "../KafkaTopics.ts"
import type { PinLogService } from "../PinLog.ts"
import { type BatcherOptions, makeBatcher, type OutMessage } from "./Batcher.ts"
import { type PinLogTopics, toMessages } from "./Messages.ts"

export interface AppendedRecord<A> {
  readonly key: string | null
  readonly value: A
}

export class PinLogMemory extends Context.Service<
  PinLogMemory,
  {
    readonly pinLog: PinLogService
    /** The pin type's topics. */
    readonly topics: { readonly pins: string; readonly rejected: string }
    /** Every event appended to the pins topic, in append order per partition. */
    readonly pins: Effect.Effect<ReadonlyArray<AppendedRecord<LoggedPinEvent>>>
    /** Every record appended to the pins' rejected topic. */
    readonly rejected: Effect.Effect<ReadonlyArray<AppendedRecord<RejectedEvent>>>
    /** Every event appended to a type's topic, as JSON values, in append order per partition. */
    readonly eventsOf: (type: EventTypeName) => Effect.Effect<ReadonlyArray<AppendedRecord<unknown>>>
    /** Every record appended to a type's rejected topic. */
    readonly rejectedOf: (type: EventTypeName) => Effect.Effect<ReadonlyArray<AppendedRecord<RejectedEvent>>>
    /** Down: writes fail at once and readiness is false. */
    readonly setUp: (up: boolean) => Effect.Effect<void>
    /** Held: sends wait (as with a broker that does not answer) until released. */
    readonly hold: (held: boolean) => Effect.Effect<void>
    /** Sends waiting at the hold now: lets a test know a write is in flight before it goes on. */
    readonly heldSends: Effect.Effect<number>
    /** The number of records of the latest 1,024 sends, in the order they were sent (how writes were batched). */
    readonly sendSizes: Effect.Effect<ReadonlyArray<number>>
  }
>()("pinflow/adapters/PinLogMemory") {}

const decodePin = Schema.decodeUnknownSync(Schema.fromJsonString(LoggedPinEvent))
const decodeRejected = Schema.decodeUnknownSync(Schema.fromJsonString(RejectedEvent))
const decodeJson = (text: string): unknown => JSON.parse(text)

/** Each registered type's default topics (`<plural>`, `<plural>.rejected`). */
const defaultTopics = defaultEventTopics()

/** How many send sizes `sendSizes` remembers. */
const maxRecordedSends = 1024

export const makeMemoryPinLog = Effect.fnUntraced(function* (
  options: BatcherOptions,
  topicList: ReadonlyArray<EventTopic> = defaultTopics
) {
  const byType: PinLogTopics = new Map(topicList.map((t) => [t.type, t]))
  const pinTopic = byType.get("pin") ?? { type: "pin", topic: "pins", rejected: "pins.rejected" }
  const topics = { pins: pinTopic.topic, rejected: pinTopic.rejected }
  const topicOf = (type: EventTypeName): EventTopic =>
    byType.get(type) ??
    defaultTopics.find((t) => t.type === type) ?? { type, topic: type, rejected: `${type}.rejected` }
  const log = yield* InMemoryLog
  let up = true
  /** Open while up: the flusher waits on it while the log is down. */
  const link = Latch.makeUnsafe(true)
  let waiting = 0
  const sizes: Array<number> = []
  let release = Deferred.makeUnsafe<void>()
  Deferred.doneUnsafe(release, Exit.void)

  const send = (batch: ReadonlyArray<OutMessage>) =>
    Effect.gen(function* () {
      // the latest sends only: this log also serves `pinflow start`, which runs for as long as it likes
      if (sizes.length === maxRecordedSends) sizes.shift()
      sizes.push(batch.length)
      waiting += 1
      yield* Deferred.await(release).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            waiting -= 1
          })
        )
      )
      const byTopic = new Map<string, Array<{ key: string | null; value: string }>>()
      for (const m of batch) {
        const list = byTopic.get(m.topic) ?? []
        list.push({ key: m.key, value: m.value })
        byTopic.set(m.topic, list)
      }
      for (const [topic, messages] of byTopic) yield* log.append(topic, messages)
    })

  const batcher = yield* makeBatcher(send, () => up, options, undefined, undefined, undefined, link.await)

  const readAll = <A>(topic: string, decode: (s: string) => A) =>
    Effect.gen(function* () {
      const out: Array<AppendedRecord<A>> = []
      const partitions = yield* log.partitions(topic)
      for (let p = 0; p < partitions; p++) {
        const end = yield* log.endOffset(topic, p)
        for (const r of yield* log.read(topic, p, 0, end)) out.push({ key: r.key, value: decode(r.value) })
      }
      return out
    })

  const pinLog: PinLogService = {
    write: (records) => Effect.suspend(() => batcher.offer(toMessages(byType, records))),
    ready: Effect.sync(() => up),
    depth: Effect.sync(batcher.depth)
  }
  return PinLogMemory.of({
    pinLog,
    topics,
    pins: readAll(topics.pins, decodePin),
    rejected: readAll(topics.rejected, decodeRejected),
    eventsOf: (type) => readAll(topicOf(type).topic, decodeJson),
    rejectedOf: (type) => readAll(topicOf(type).rejected, decodeRejected),
    setUp: (value) =>
      Effect.sync(() => {
        up = value
        if (value) link.openUnsafe()
        else link.closeUnsafe()
      }),
    hold: (held) =>
      Effect.sync(() => {
        if (held) {
          if (Deferred.isDoneUnsafe(release)) release = Deferred.makeUnsafe<void>()
        } else Deferred.doneUnsafe(release, Exit.void)
      }),
    heldSends: Effect.sync(() => waiting),
    sendSizes: Effect.sync(() => [...sizes])
  })
})
