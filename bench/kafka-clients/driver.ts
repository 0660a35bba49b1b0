/**
 * One Kafka client in a process of its own, so its peak RSS is its own: `node bench/kafka-clients/driver.ts
 * <kafkajs|platformatic> <produce|consume> <topic> <count>`. produce: `count` real pin rows with fresh keys,
 * in sends of up to 1 MiB (PinLog's per-send size), one send in flight (one producer, as INGEST_PRODUCERS=1),
 * idempotent, acks from all in-sync replicas. consume: a fresh group drains `count` records from the
 * earliest offset. Prints one JSON line: records, ms (first send / first record to the last), peak RSS.
 */
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { quietKafkaJsTimeoutWarning } from "../../services/warnings.ts"

quietKafkaJsTimeoutWarning()

type Client = "kafkajs" | "platformatic"
interface Message {
  readonly key: Buffer
  readonly value: Buffer
}

const [client, phase, topic, countText] = process.argv.slice(2) as [Client, "produce" | "consume", string, string]
const count = Number(countText)
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",")
const sendBytes = 1024 * 1024

const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024

// Real rows of the sample; each message gets a fresh unique_id as key and in its row, as the edge sends them.
const rows = readFileSync("/work/shared/data/pins-sample.ndjson", "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line) as Record<string, unknown>)
let next = 0
const batch = (remaining: number): Array<Message> => {
  const messages: Array<Message> = []
  let bytes = 0
  while (messages.length < remaining && bytes < sendBytes) {
    const id = randomUUID()
    const value = Buffer.from(JSON.stringify({ ...rows[next++ % rows.length], unique_id: id }))
    bytes += value.length
    messages.push({ key: Buffer.from(id), value })
  }
  return messages
}

const produce = async (send: (messages: Array<Message>) => Promise<unknown>) => {
  const started = performance.now()
  for (let sent = 0; sent < count; ) {
    const messages = batch(count - sent)
    await send(messages)
    sent += messages.length
  }
  return performance.now() - started
}

const kafkajs = async (): Promise<number> => {
  const { Kafka, logLevel } = await import("kafkajs")
  const kafka = new Kafka({ clientId: "bench-kafkajs", brokers, logLevel: logLevel.NOTHING })
  if (phase === "produce") {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const ms = await produce((messages) => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] }))
    await producer.disconnect()
    return ms
  }
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let first = 0
  let seen = 0
  const done = Promise.withResolvers<number>()
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (seen === 0) first = performance.now()
      seen += batch.messages.length
      if (seen >= count) done.resolve(performance.now() - first)
    }
  })
  const ms = await done.promise
  await consumer.disconnect()
  return ms
}

const platformatic = async (): Promise<number> => {
  const { Consumer, Producer } = await import("@platformatic/kafka")
  if (phase === "produce") {
    const producer = new Producer({
      clientId: "bench-platformatic",
      bootstrapBrokers: brokers,
      idempotent: true,
      acks: -1
    })
    const ms = await produce((messages) => producer.send({ messages: messages.map((m) => ({ topic, ...m })) }))
    await producer.close()
    return ms
  }
  const consumer = new Consumer({
    clientId: "bench-platformatic",
    groupId: `bench-${randomUUID()}`,
    bootstrapBrokers: brokers
  })
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: true })
  let first = 0
  let seen = 0
  const done = Promise.withResolvers<number>()
  stream.on("data", () => {
    if (seen === 0) first = performance.now()
    seen += 1
    if (seen === count) done.resolve(performance.now() - first)
  })
  const ms = await done.promise
  await stream.close()
  await consumer.close(true)
  return ms
}

const ms = client === "kafkajs" ? await kafkajs() : await platformatic()
process.stdout.write(`${JSON.stringify({ records: count, ms, peakMb: peakMb() })}\n`)
