/** The ingest edge over the real kafkajs PinLog on an ephemeral port, and a reader of whole topics. */
import { NodeHttpServer } from "@effect/platform-node"
import { KafkaClient, PinLog } from "@pinflow/adapters"
import { ConfigProvider, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { Kafka, logLevel } from "kafkajs"
import { IngestRoutes } from "../src/IngestHttp.ts"
import { IngestSettings } from "../src/IngestSettings.ts"
import { send } from "./support.ts"

export const kafkaServer = (env: Record<string, string>) =>
  HttpRouter.serve(IngestRoutes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provide(IngestSettings.layer),
    Layer.provide(PinLog.layer),
    Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-ingest-test" })),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
  )

/** Polls /readyz until Kafka is connected and the topics exist. */
export const awaitReady = Effect.gen(function* () {
  for (let i = 0; i < 150; i++) {
    if ((yield* send("/readyz")).status === 200) return
    yield* Effect.sleep("200 millis")
  }
  return yield* Effect.die(new Error("ingest never became ready"))
})

export interface TopicMessage {
  readonly key: string | null
  readonly value: string
}

/** Every message of a topic, read from the start up to its current end offsets. */
export const readTopic = async (brokers: ReadonlyArray<string>, topic: string): Promise<Array<TopicMessage>> => {
  const kafka = new Kafka({ clientId: "pinflow-ingest-reader", brokers: [...brokers], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const expected = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
  const out: Array<TopicMessage> = []
  if (expected === 0) return out
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${expected} messages`)), 60_000)
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? "" })
        if (out.length >= expected) {
          clearTimeout(timer)
          resolve()
        }
      }
    })
  })
  await consumer.disconnect()
  return out
}
