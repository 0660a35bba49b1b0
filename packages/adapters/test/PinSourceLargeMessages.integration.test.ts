// The source against real Kafka with the largest messages the edge accepts (INGEST_MAX_MESSAGE_BYTES, 900 KiB):
// a backlog of them on one partition and one on each of the others are all read, whole, to the end.
import { assert, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { Kafka, logLevel } from "kafkajs"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { KafkaClient } from "../src/KafkaClient.ts"
import { PinSource } from "../src/PinSource.ts"

// the edge's default limit on key + value bytes, less the key
const valueBytes = 900 * 1024 - 8
// partition → its messages: a backlog on partition 0, one message on each of the others
const counts = [4, 1, 1]

describeIntegration("the Kafka source with 900 KiB messages", ["kafka"], (env) => {
  const topic = uniqueName("pins-large")
  const group = uniqueName("large")

  it.live(
    "reads a backlog on one partition and a message on each other partition to the end",
    () =>
      Effect.gen(function* () {
        yield* Effect.promise(async () => {
          const kafka = new Kafka({
            clientId: "large-test",
            brokers: [...env.kafkaBrokers],
            logLevel: logLevel.NOTHING
          })
          const admin = kafka.admin()
          await admin.connect()
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic, numPartitions: counts.length, replicationFactor: 1 }]
          })
          await admin.disconnect()
          const producer = kafka.producer()
          await producer.connect()
          // one send per message: a record batch holds one message (the broker refuses batches past 1 MB)
          for (const [p, count] of counts.entries())
            for (let i = 0; i < count; i++)
              await producer.send({
                topic,
                messages: [{ key: `k${p}-${i}`, partition: p, value: `"${String(p).repeat(valueBytes - 2)}"` }]
              })
          await producer.disconnect()
        })
        const records = yield* Effect.scoped(
          Effect.gen(function* () {
            const source = yield* PinSource
            const consumption = yield* source.readToEnd({ group, topics: [topic] })
            return yield* Stream.runCollect(consumption.records)
          })
        ).pipe(Effect.timeout("30 seconds"))
        const read = [...records].map((r) => `${r.partition}/${r.offset}/${r.key}/${r.value.length}`)
        assert.deepStrictEqual(
          [...read].sort(),
          counts.flatMap((count, p) => Array.from({ length: count }, (_, i) => `${p}/${i}/k${p}-${i}/${valueBytes}`))
        )
      }).pipe(
        Effect.provide(
          PinSource.layer.pipe(
            Layer.provideMerge(KafkaClient.layerConfig({ clientId: "large-test" })),
            Layer.provide(
              ConfigProvider.layer(ConfigProvider.fromUnknown({ KAFKA_BROKERS: env.kafkaBrokers.join(",") }))
            )
          )
        )
      ),
    60_000
  )
})
