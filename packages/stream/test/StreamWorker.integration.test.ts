import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { sampleLines } from "../../../test/support/sampleData.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import {
  counts,
  createTopics,
  groupProgress,
  kafkaOf,
  produce,
  spawnWorker,
  stamped,
  type Worker,
  waitFor
} from "./IntegrationSupport.ts"

const sample = sampleLines()

describeIntegration("stream worker against Kafka and PostgreSQL", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("stream_it", "_")
  let url = ""
  let sql: postgres.Sql
  const kafka = kafkaOf(env.kafkaBrokers)
  const workers: Array<Worker> = []

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    sql = postgres(url, { max: 2, onnotice: () => undefined })
  })
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL")
    await sql?.end({ timeout: 5 })
    await dropSchema(env.databaseUrl, schema)
  })

  /** A fresh topic pair and group; the pins and rejects tables emptied. */
  const scenario = async (partitions = 3) => {
    const topic = uniqueName("stream-it")
    await createTopics(kafka, [topic, `${topic}.rejected`], partitions)
    await sql`truncate pins, pin_rejects`.catch(() => undefined)
    const vars = {
      KAFKA_BROKERS: env.kafkaBrokers.join(","),
      DATABASE_URL: url,
      PINS_TOPIC: topic,
      STREAM_GROUP: `g-${topic}`
    }
    const start = () => {
      const w = spawnWorker(vars)
      workers.push(w)
      return w
    }
    return { topic, group: vars.STREAM_GROUP, start }
  }

  it.skipIf("skip" in sample)(
    "lands the sample exactly: 2,362 pins and 22 empty_pin rejects, plus the edge's rejects and junk",
    async () => {
      if ("skip" in sample) return
      const { topic, group, start } = await scenario()
      await produce(
        kafka,
        topic,
        sample.lines.map((line) => ({
          key: (JSON.parse(line) as { unique_id: string }).unique_id,
          value: stamped(line, "2026-11-26T10:00:00.000Z")
        }))
      )
      await produce(kafka, topic, [{ key: null, value: "not json" }])
      await produce(kafka, `${topic}.rejected`, [
        {
          key: null,
          value: JSON.stringify({
            reason: "schema",
            detail: "index: Missing key",
            raw: { title: "x" },
            rejected_at: "2026-11-26T10:00:00Z"
          })
        }
      ])
      const worker = start()
      await waitFor("all rows", async () => {
        const c = await counts(sql)
        return c.pins === 2362 && c.rejects === 24
      })
      await waitFor("commits", async () => {
        const p = await groupProgress(kafka, group, topic)
        return p.committed === p.end
      })
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
      const reasons = await sql`select source, reason, count(*)::int as n from pin_rejects group by 1, 2 order by 1, 2`
      expect(reasons.map((r) => [r.source, r.reason, r.n])).toEqual([
        ["ingest", "schema", 1],
        ["stream", "empty_pin", 22],
        ["stream", "invalid_json", 1]
      ])
      const [one] =
        await sql`select follower_count, tags, media_type, save_location from pins where pin_index is not null order by unique_id limit 1`
      expect(one).toBeDefined()
      expect(await counts(sql)).toEqual({ pins: 2362, rejects: 24 })
    },
    120_000
  )

  it("keeps one row per unique_id, the last version, and every event exactly once through SIGTERM and restarts, with two workers sharing the partitions", async () => {
    const { topic, group, start } = await scenario(4)
    const n = 20_000
    const base = Date.parse("2026-11-26T10:00:00.000Z")
    const events = Array.from({ length: n }, (_, i) => {
      const id = `id-${i % (n / 2)}` // every id twice: the second (later) version must win
      return {
        key: id,
        value: JSON.stringify({
          index: i,
          unique_id: id,
          title: `v${i}`,
          description: "d",
          follower_count: "1k",
          tag_list: "a,b",
          is_image_or_video: "image",
          image_src: "s",
          downloaded: 0,
          save_location: "Local save in /data/art",
          category: "art",
          ingested_at: new Date(base + i).toISOString()
        })
      }
    })
    const first = start()
    await produce(kafka, topic, events.slice(0, n / 2))
    await waitFor("first rows", async () => (await counts(sql)).pins > 0)
    first.child.kill("SIGTERM") // mid-stream
    expect(await first.exited).toBe(0)
    expect(first.output()).toContain("stream worker stopped")
    const a = start()
    const b = start()
    await produce(kafka, topic, events.slice(n / 2))
    await waitFor(
      "all events",
      async () => {
        const p = await groupProgress(kafka, group, topic)
        return p.committed === p.end && p.end === n
      },
      120_000
    )
    expect(await counts(sql)).toEqual({ pins: n / 2, rejects: 0 })
    const stale =
      await sql`select count(*)::int as n from pins where title <> 'v' || (pin_index)::text or pin_index < ${n / 2}`
    expect(stale[0]?.n).toBe(0)
    a.child.kill("SIGTERM")
    b.child.kill("SIGTERM")
    expect([await a.exited, await b.exited]).toEqual([0, 0])
  }, 180_000)
})
