/** What a PinLog write holds, and how it becomes Kafka messages. */
import type { LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import type { OutMessage } from "./Batcher.ts"

/**
 * A pin already serialized as the log stores it (the edge serializes each event once, to check its
 * size, and hands that text on instead of serializing it again).
 */
export interface EncodedPin {
  /** The trimmed `unique_id`. */
  readonly key: string
  /** The event's JSON. */
  readonly value: string
  /** `value`'s UTF-8 length. */
  readonly bytes: number
}

export interface PinLogWrite {
  readonly pins: ReadonlyArray<LoggedPinEvent | EncodedPin>
  readonly rejected: ReadonlyArray<RejectedEvent>
}

export interface PinLogTopics {
  readonly pins: string
  readonly rejected: string
}

/** Keyed by the trimmed `unique_id`, so repeats of a pin share a partition. */
export const encodePin = (event: LoggedPinEvent): EncodedPin => {
  const value = JSON.stringify(event)
  return { key: event.unique_id.trim(), value, bytes: Buffer.byteLength(value) }
}

/** Keyed by the trimmed `unique_id` (rejects: when known), so repeats of a pin share a partition. */
export const toMessages = (topics: PinLogTopics, records: PinLogWrite): ReadonlyArray<OutMessage> => {
  const out: Array<OutMessage> = []
  for (const pin of records.pins) {
    const encoded = "bytes" in pin ? pin : encodePin(pin)
    out.push({ topic: topics.pins, key: encoded.key, value: encoded.value, bytes: encoded.bytes })
  }
  for (const reject of records.rejected)
    out.push({ topic: topics.rejected, key: reject.unique_id?.trim() ?? null, value: JSON.stringify(reject) })
  return out
}
