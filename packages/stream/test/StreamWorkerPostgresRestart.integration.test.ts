import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { startService, stopService } from "../../../test/support/services.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import {
  counts,
  createTopics,
  groupProgress,
  healthOf,
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

    it("pauses, retries (a write is attempted during the outage), reports the stall on /healthz and resumes by itself: no loss, no duplicates", async () => {
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
        STREAM_BATCH_SIZE: "500",
        STREAM_LAG_INTERVAL: "500 millis",
        STREAM_STALL_AFTER: "10"
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
      await stopService("postgres", { mode: "kill" }) // immediate shutdown mid-stream
      try {
        // records arrive while PostgreSQL is down: the worker must try to write them, and fail
        await produce(kafka, topic, events.slice(n / 2))
        await waitFor(
          "a write retried while PostgreSQL is down",
          async () => worker?.output().includes("batch write failed, retrying") ?? false,
          60_000,
          () => worker?.output() ?? ""
        )
        // nothing committed for 10 windows of 200 ms while the broker says records wait: stalled
        await waitFor(
          "/healthz reporting the stall",
          async () => {
            const health = worker === undefined ? undefined : await healthOf(worker)
            return health?.status === 503 && health.body.startsWith("unhealthy: no offset committed for ")
          },
          60_000,
          () => worker?.output() ?? ""
        )
      } finally {
        await startService("postgres")
      }
      await waitFor(
        "every event committed",
        async () => {
          const p = await groupProgress(kafka, group, topic)
          return p.committed === n && p.end === n
        },
        120_000,
        () => worker?.output() ?? ""
      )
      // every failure during the outage was a connectivity error: retried, never isolated into rejects
      expect(await probe()).toEqual({ pins: n, rejects: 0 })
      await waitFor("/healthz healthy again", async () => (await healthOf(worker as Worker)).status === 200)
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
    }, 180_000)
  }
)
