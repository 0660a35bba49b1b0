// The archive step's source against real Kafka: once every partition was read to its end offset, closing the
// consumer is prompt. kafkajs sleeps its fetch wait (5 s by default) when every partition is paused and its
// disconnect waits for that sleep: a fixed cost every batch run paid after its last record.

import { assert, it } from "@effect/vitest"
import { KafkaClient, PinSource } from "@pinflow/adapters"
import { Clock, ConfigProvider, Effect, Layer, Stream } from "effect"
import { Kafka, logLevel } from "kafkajs"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"

describeIntegration("archive source closes once read to the end", ["kafka"], (env) => {
  const topic = uniqueName("pins-close")
  const group = uniqueName("archive-close")

  it.live(
    "the consumer's scope closes within 1.5 s of the last record (kafkajs' default fetch wait is 5 s)",
    () =>
      Effect.gen(function* () {
        yield* Effect.promise(async () => {
          const kafka = new Kafka({
            clientId: "close-test",
            brokers: [...env.kafkaBrokers],
            logLevel: logLevel.NOTHING
          })
          const admin = kafka.admin()
          await admin.connect()
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic, numPartitions: 2, replicationFactor: 1 }]
          })
          await admin.disconnect()
          const producer = kafka.producer()
          await producer.connect()
          await producer.send({
            topic,
            messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `{"i":${i}}` }))
          })
          await producer.disconnect()
        })
        const drained = yield* Effect.scoped(
          Effect.gen(function* () {
            const source = yield* PinSource
            const consumption = yield* source.readToEnd({ group, topics: [topic] })
            const records = yield* Stream.runCollect(consumption.records)
            assert.strictEqual(records.length, 20)
            return yield* Clock.currentTimeMillis
          })
        )
        const closed = yield* Clock.currentTimeMillis
        assert.isBelow(closed - drained, 1_500, `closing took ${closed - drained} ms`)
      }).pipe(
        Effect.provide(
          PinSource.layer.pipe(
            Layer.provideMerge(KafkaClient.layerConfig({ clientId: "close-test" })),
            Layer.provide(
              ConfigProvider.layer(ConfigProvider.fromUnknown({ KAFKA_BROKERS: env.kafkaBrokers.join(",") }))
            )
          )
        )
      ),
    60_000
  )
})
