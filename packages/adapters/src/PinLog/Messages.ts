/** What a PinLog write holds, and how it becomes Kafka messages. */
import type { LoggedPinEvent, RejectedEvent } from "@pinflow/domain"
import type { OutMessage } from "./Batcher.ts"

export interface PinLogWrite {
  readonly pins: ReadonlyArray<LoggedPinEvent>
  readonly rejected: ReadonlyArray<RejectedEvent>
}

export interface PinLogTopics {
  readonly pins: string
  readonly rejected: string
}

/** Keyed by the trimmed `unique_id` (rejects: when known), so repeats of a pin share a partition. */
export const toMessages = (topics: PinLogTopics, records: PinLogWrite): ReadonlyArray<OutMessage> => {
  const out: Array<OutMessage> = []
  for (const event of records.pins)
    out.push({ topic: topics.pins, key: event.unique_id.trim(), value: JSON.stringify(event) })
  for (const reject of records.rejected)
    out.push({ topic: topics.rejected, key: reject.unique_id?.trim() ?? null, value: JSON.stringify(reject) })
  return out
}
