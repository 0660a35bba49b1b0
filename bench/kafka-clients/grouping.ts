/**
 * The kafkajs patch in isolation: CPU per send of kafkajs' per-partition grouping as installed (patched,
 * appends in place) against the unpatched 2.2.4 function, copied below as the baseline, on sends of the
 * sizes PinLog makes (1 MiB ≈ 1,500 pin rows) and larger, 6 partitions, warmed up, median of repeats.
 */
import { createRequire } from "node:module"

interface Message {
  readonly key: string
  readonly value: string
}
interface Options {
  readonly topic: string
  readonly partitionMetadata: ReadonlyArray<{ readonly partitionId: number; readonly leader: number }>
  readonly messages: ReadonlyArray<Message>
  readonly partitioner: (options: { readonly message: Message }) => number
}
type Group = (options: Options) => Record<string, ReadonlyArray<Message>>

// kafkajs 2.2.4 src/producer/groupMessagesPerPartition.js before patches/kafkajs+2.2.4.patch
const unpatched: Group = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) return {}
  return messages.reduce<Record<string, ReadonlyArray<Message>>>((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message } as Options & { message: Message })
    const current = result[partition] ?? []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})
}
const patched = createRequire(import.meta.url)("kafkajs/src/producer/groupMessagesPerPartition") as Group

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

const timePerSend = (group: Group, messages: ReadonlyArray<Message>, repeats: number): number => {
  const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0 }))
  const options: Options = {
    topic: "pins",
    partitionMetadata,
    messages,
    partitioner: ({ message }) => Number(message.key) % 6
  }
  for (let i = 0; i < 3; i++) group(options)
  const times: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    group(options)
    times.push(performance.now() - started)
  }
  return median(times)
}

export interface GroupingRow {
  readonly messages: number
  readonly unpatchedMs: number
  readonly patchedMs: number
}

/** Per send size (messages): median ms of the unpatched and the patched grouping. */
export const measureGrouping = (sizes: ReadonlyArray<number>, repeats: number): ReadonlyArray<GroupingRow> =>
  sizes.map((size) => {
    const messages = Array.from({ length: size }, (_, index) => ({ key: `${index}`, value: "v" }))
    return {
      messages: size,
      unpatchedMs: timePerSend(unpatched, messages, repeats),
      patchedMs: timePerSend(patched, messages, repeats)
    }
  })
