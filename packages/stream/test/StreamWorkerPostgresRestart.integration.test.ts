import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { restartService } from "../../../test/support/services.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import {
  counts,
  createTopics,
  groupProgress,
  kafkaOf,
  produce,
  spawnWorker,
  type Worker,
  waitFor
} from "./IntegrationSupport.ts"

describeIntegration(
  "stream worker while PostgreSQL restarts",
  { needs: ["kafka", "postgres"], controls: ["postgres"] },
  (env) => {
    const schema = uniqueName("stream_pgrestart", "_")
    const topic = uniqueName("stream-pgrestart")
    let url = ""
    let worker: Worker | undefined
    const kafka = kafkaOf(env.kafkaBrokers)

    beforeAll(async () => {
      url = await createSchema(env.databaseUrl, schema)
    })
    afterAll(async () => {
      worker?.child.kill("SIGKILL")
      await dropSchema(env.databaseUrl, schema)
    })

    it("pauses, retries and resumes by itself: no loss, no duplicates", async () => {
      await createTopics(kafka, [topic, `${topic}.rejected`], 3)
      const n = 30_000
      const events = Array.from({ length: n }, (_, i) => ({
        key: `id-${i}`,
        value: JSON.stringify({
          index: i,
          unique_id: `id-${i}`,
          title: `t${i}`,
          description: "d",
          follower_count: "2M",
          tag_list: "x",
          is_image_or_video: "video",
          image_src: "s",
          downloaded: 1,
          save_location: "Local save in /data/travel",
          category: "travel",
          ingested_at: "2026-11-26T10:00:00.000Z"
        })
      }))
      const group = `g-${topic}`
      worker = spawnWorker({
        KAFKA_BROKERS: env.kafkaBrokers.join(","),
        DATABASE_URL: url,
        PINS_TOPIC: topic,
        STREAM_GROUP: group,
        STREAM_BATCH_SIZE: "500"
      })
      await produce(kafka, topic, events.slice(0, n / 2))
      const sql = () => postgres(url, { max: 1, onnotice: () => undefined })
      const probe = async () => {
        const s = sql()
        try {
          return await counts(s)
        } finally {
          await s.end({ timeout: 1 })
        }
      }
      await waitFor("first rows", async () => (await probe()).pins > 0)
      await restartService("postgres", { mode: "kill" }) // immediate shutdown mid-stream
      await produce(kafka, topic, events.slice(n / 2))
      await waitFor(
        "every event committed",
        async () => {
          const p = await groupProgress(kafka, group, topic)
          return p.committed === n && p.end === n
        },
        120_000,
        () => worker?.output() ?? ""
      )
      expect(await probe()).toEqual({ pins: n, rejects: 0 })
      expect(worker.output()).toContain("batch write failed, retrying")
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
    }, 180_000)
  }
)
