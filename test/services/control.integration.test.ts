// Stopping and restarting single services mid-test (test/support/services.ts), as failure tests will:
// data survives, clients see the outage and recover. `controls` makes other files wait meanwhile.
import { Storage } from "@google-cloud/storage"
import { Kafka, logLevel } from "kafkajs"
import postgres from "postgres"
import { expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { restartService, serviceStatus, startService, stopService, withServiceStopped } from "../support/services.ts"

describeIntegration("GCS emulator stopped mid-run", { needs: ["gcs"], controls: ["gcs"] }, (env) => {
  it("refuses requests while stopped and keeps its objects (filesystem backend)", async () => {
    const storage = new Storage({
      apiEndpoint: env.gcsEndpoint,
      projectId: "pinflow-test",
      retryOptions: { autoRetry: false }
    })
    const file = storage.bucket(env.gcsBucket).file(`${uniqueName("control")}/kept.json`)
    await file.save('{"kept":true}', { resumable: false })

    await withServiceStopped("gcs", async () => {
      expect((await serviceStatus("gcs")).probe.ok).toBe(false)
      await expect(file.download()).rejects.toMatchObject({ code: "ECONNREFUSED" })
    })

    expect((await serviceStatus("gcs")).probe.ok).toBe(true)
    const [body] = await file.download()
    expect(body.toString()).toBe('{"kept":true}')
    await file.delete()
  })
})

describeIntegration("PostgreSQL crashed mid-stream", { needs: ["postgres"], controls: ["postgres"] }, (env) => {
  it("keeps committed rows through an immediate shutdown; the client reconnects", async () => {
    const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => {} })
    const table = uniqueName("control", "_")
    try {
      await sql.unsafe(`create table ${table} (id int primary key)`)
      await sql.unsafe(`insert into ${table} values (1), (2)`)

      await stopService("postgres", { mode: "kill" })
      await expect(sql`select 1`).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNREFUSED|CONNECTION_CLOSED|57P01/)
      })
      await startService("postgres")

      const rows = await sql.unsafe<{ id: number }[]>(`select id from ${table} order by id`)
      expect(rows.map((r) => r.id)).toEqual([1, 2])
    } finally {
      await sql.unsafe(`drop table if exists ${table}`).catch(() => {})
      await sql.end({ timeout: 5 })
    }
  })
})

describeIntegration("Kafka broker restarted", { needs: ["kafka"], controls: ["kafka"] }, (env) => {
  it("keeps acknowledged messages across a restart", async () => {
    const kafka = new Kafka({ clientId: "pinflow-control", brokers: [...env.kafkaBrokers], logLevel: logLevel.NOTHING })
    const topic = uniqueName("control")
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    await producer.connect()
    await producer.send({ topic, messages: [{ key: "a", value: "1" }] })
    await producer.disconnect()
    await admin.disconnect()

    await restartService("kafka")

    const admin2 = kafka.admin()
    await admin2.connect()
    try {
      expect(await admin2.fetchTopicOffsets(topic)).toMatchObject([{ partition: 0, low: "0", high: "1" }])
      await admin2.deleteTopics({ topics: [topic] })
    } finally {
      await admin2.disconnect()
    }
  })
})
