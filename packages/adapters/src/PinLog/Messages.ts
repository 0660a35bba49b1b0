/** What a log write holds (events of one registered type and refusals), and how it becomes Kafka messages. */
import type { EventTypeName, LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import type { EventTopic } from "../KafkaTopics.ts"
import type { OutMessage } from "./Batcher.ts"

/**
 * An event already serialized as the log stores it (the edge serializes each event once, to check its
 * size, and hands that text on instead of serializing it again).
 */
export interface EncodedEvent {
  /** The type's Kafka key (the trimmed `unique_id` of a pin, `String(ind)` of a geo or user event). */
  readonly key: string
  /** The event's JSON. */
  readonly value: string
  /** `value`'s UTF-8 length. */
  readonly bytes: number
}

/** A pin's encoded form (the name before the registry). */
export type EncodedPin = EncodedEvent

/** One write: events of `type` to its topic, refusals to its rejected topic, acknowledged together. */
export interface LogWrite {
  readonly type: EventTypeName
  readonly events: ReadonlyArray<EncodedEvent>
  readonly rejected: ReadonlyArray<RejectedEvent>
}

/** The name before the registry. */
export type PinLogWrite = LogWrite

/** Each registered type's topics, by type name. */
export type PinLogTopics = ReadonlyMap<EventTypeName, EventTopic>

/** `topics` by type name. */
export const topicsByType = (topics: ReadonlyArray<EventTopic>): PinLogTopics => new Map(topics.map((t) => [t.type, t]))

/** `event` serialized once, keyed by `key`. */
export const encodeEvent = (key: string, event: unknown): EncodedEvent => {
  const value = JSON.stringify(event)
  return { key, value, bytes: Buffer.byteLength(value) }
}

/** Keyed by the trimmed `unique_id`, so repeats of a pin share a partition. */
export const encodePin = (event: LoggedPinEvent): EncodedEvent => encodeEvent(event.unique_id.trim(), event)

/** Events keyed by their type's key, rejects by the key they name (when known): repeats share a partition. */
export const toMessages = (topics: PinLogTopics, records: LogWrite): ReadonlyArray<OutMessage> => {
  const topic = topics.get(records.type)
  // a type the registry has is a type the topics have: anything else is a programming error
  if (topic === undefined) throw new Error(`no topic for event type ${records.type}`)
  const out: Array<OutMessage> = []
  for (const event of records.events)
    out.push({ topic: topic.topic, key: event.key, value: event.value, bytes: event.bytes })
  for (const reject of records.rejected)
    out.push({ topic: topic.rejected, key: reject.unique_id?.trim() ?? null, value: JSON.stringify(reject) })
  return out
}
