// Smoke test of the development Kafka through kafkajs (the client the product uses).
import type { Admin, Consumer, Producer } from "kafkajs"
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from "kafkajs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"

describeIntegration("Kafka (npm run services)", ["kafka"], (env) => {
  const topic = uniqueName("smoke")
  const kafka = new Kafka({ clientId: "pinflow-smoke", brokers: [...env.kafkaBrokers], logLevel: logLevel.WARN })
  let admin: Admin
  let producer: Producer
  let consumer: Consumer | undefined

  beforeAll(async () => {
    admin = kafka.admin()
    await admin.connect()
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner
    })
    await producer.connect()
  })

  afterAll(async () => {
    await consumer?.disconnect()
    await producer?.disconnect()
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin?.disconnect()
  })

  it("creates a topic with explicit partitions and replication factor", async () => {
    expect(
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] })
    ).toBe(true)
    const meta = await admin.fetchTopicMetadata({ topics: [topic] })
    const partitions = meta.topics[0]?.partitions ?? []
    expect(partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2])
    expect(partitions.map((p) => p.replicas)).toEqual([[1], [1], [1]])
  })

  it("runs with the test settings (no auto-created topics, no join delay)", async () => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: "1",
          configNames: ["auto.create.topics.enable", "group.initial.rebalance.delay.ms", "offsets.topic.num.partitions"]
        }
      ]
    })
    const entries = Object.fromEntries((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]))
    expect(entries).toEqual({
      "auto.create.topics.enable": "false",
      "group.initial.rebalance.delay.ms": "0",
      "offsets.topic.num.partitions": "1"
    })
  })

  it("produces keyed messages idempotently and a fresh group consumes exactly them", async () => {
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `pin-${i % 10}`, value: JSON.stringify({ n: i }) }))
    const acks = await producer.send({ topic, messages })
    expect(acks.every((a) => a.errorCode === 0)).toBe(true)

    consumer = kafka.consumer({ groupId: uniqueName("smoke-group"), allowAutoTopicCreation: false })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const got: Array<{ key: string; value: string; partition: number; offset: string }> = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${got.length} of 30`)), 20_000)
      void consumer?.run({
        eachMessage: async ({ message, partition }) => {
          got.push({
            key: message.key?.toString() ?? "",
            value: message.value?.toString() ?? "",
            partition,
            offset: message.offset
          })
          if (got.length === messages.length) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    })

    // exactly the produced key/value pairs, no more, no fewer
    const pairs = (xs: ReadonlyArray<{ key: string; value: string }>) => xs.map((m) => `${m.key}=${m.value}`).sort()
    expect(pairs(got)).toEqual(pairs(messages))
    // one key, one partition; within a partition, the production order
    for (let k = 0; k < 10; k++) {
      const ofKey = got.filter((m) => m.key === `pin-${k}`)
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1)
      expect(ofKey.map((m) => JSON.parse(m.value).n)).toEqual([k, k + 10, k + 20])
    }
    // offsets per partition are 0..n-1 (idempotent producer: no duplicates)
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(messages.length)
  })
})
