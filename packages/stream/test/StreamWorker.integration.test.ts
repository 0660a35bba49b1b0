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
  lastAssignment,
  metricSamples,
  metricsOf,
  metricValue,
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
      STREAM_GROUP: `g-${topic}`,
      STREAM_LAG_INTERVAL: "500 millis"
    }
    const start = (extra: Record<string, string> = {}) => {
      const w = spawnWorker({ ...vars, ...extra })
      workers.push(w)
      return w
    }
    return { topic, group: vars.STREAM_GROUP, start }
  }

  it.skipIf("skip" in sample)(
    "lands the sample exactly: 2,362 pins and 22 empty_pin rejects, plus the edge's rejects and junk",
    async () => {
      if ("skip" in sample) return
      const startedAt = Date.now()
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
      // read from the broker every 500 ms: 0 behind on each partition of both pins topics, once all is
      // committed; the geo and user topics the worker also reads (<topic>-geos, <topic>-users, empty) are at 0 too
      const ours = [
        topic,
        `${topic}.rejected`,
        `${topic}-geos`,
        `${topic}-geos.rejected`,
        `${topic}-users`,
        `${topic}-users.rejected`
      ]
      await waitFor("lag 0 from the broker", async () => {
        const lag = metricSamples(await metricsOf(worker), "pinflow_consumer_lag")
        return (
          lag.filter((s) => s.labels.topic === topic || s.labels.topic === `${topic}.rejected`).length === 6 &&
          lag.every((s) => s.value === 0 && ours.includes(s.labels.topic ?? ""))
        )
      })
      // the metrics README.md names, as the worker serves them
      const metrics = await metricsOf(worker)
      expect(metricValue(metrics, "pinflow_pins_written_total")).toBe(2362)
      expect(metricValue(metrics, "pinflow_event_rows_written_total", { event_type: "pin" })).toBe(2362)
      expect(metricValue(metrics, "pinflow_rejects_written_total", { event_type: "pin" })).toBe(24)
      expect(metricValue(metrics, "pinflow_events_consumed_total")).toBe(2386)
      expect(metricValue(metrics, "pinflow_stream_write_seconds_count")).toBeGreaterThanOrEqual(1)
      expect(metricValue(metrics, "pinflow_stream_batch_size_sum")).toBe(2386)
      expect(metricValue(metrics, "pinflow_last_commit_age_seconds")).toBeGreaterThanOrEqual(0)
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
      const reasons = await sql`select source, reason, count(*)::int as n from pin_rejects group by 1, 2 order by 1, 2`
      expect(reasons.map((r) => [r.source, r.reason, r.n])).toEqual([
        ["ingest", "schema", 1],
        ["stream", "empty_pin", 22],
        ["stream", "invalid_json", 1]
      ])
      // the first pin by id, every column: its sample line cleaned by hand (rules 2-7)
      const rows = await sql`select * from pins order by unique_id limit 1`
      const { processed_at: processedAt, ...one } = rows[0] ?? {}
      expect(one).toEqual({
        unique_id: "0012537d-942e-40ef-88d6-477be4b71757",
        pin_index: "585",
        title: "January 2021 original art sale preview | Miss Mustard Seed",
        description:
          "I am excited that so many of you are joining me in organizing and/or no-spending in February. A part of purging for me is selling the original oil paintings that have been stack…",
        follower_count: "208000",
        tags: [
          "Green Paintings",
          "Seascape Paintings",
          "Landscape Oil Paintings",
          "Nature Paintings",
          "Art Paintings",
          "Aesthetic Painting",
          "Aesthetic Art",
          "Guache",
          "Painting Wallpaper"
        ],
        media_type: "image",
        image_src: "https://i.pinimg.com/originals/a6/bc/85/a6bc85acda9266db32ef8cb026406b32.jpg",
        downloaded: true,
        save_location: "/data/art",
        category: "art",
        ingested_at: new Date("2026-11-26T10:00:00.000Z"),
        topic,
        partition: 1,
        offset: "45"
      })
      expect(processedAt).toBeInstanceOf(Date)
      expect((processedAt as Date).getTime()).toBeGreaterThanOrEqual(startedAt - 1000)
      expect((processedAt as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000)
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
    // both in the group with a share each before the second half is produced
    await waitFor(
      "both workers assigned",
      async () => [a, b].every((w) => lastAssignment(w).some((p) => p.startsWith(`${topic}/`))),
      60_000,
      () => a.output() + b.output()
    )
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
    // both shared the partitions (disjoint, all four) and both wrote
    const assigned = [a, b].map((w) => lastAssignment(w).filter((p) => p.startsWith(`${topic}/`)))
    expect(assigned.map((ps) => ps.length > 0)).toEqual([true, true])
    expect(assigned.flat().sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}/${p}`))
    const written = await Promise.all(
      [a, b].map(async (w) => metricValue(await metricsOf(w), "pinflow_pins_written_total"))
    )
    expect(written.map((x) => x > 0)).toEqual([true, true])
    a.child.kill("SIGTERM")
    b.child.kill("SIGTERM")
    expect([await a.exited, await b.exited]).toEqual([0, 0])
  }, 180_000)

  it("commits across a rebalance: a second worker joins mid-run, no row lost or doubled, committed offsets end at the high watermarks", async () => {
    const { topic, group, start } = await scenario(4)
    const n = 30_000
    const events = Array.from({ length: n }, (_, i) => ({
      key: `r-${i}`,
      value: JSON.stringify({
        index: i,
        unique_id: `r-${i}`,
        title: `t${i}`,
        description: "d",
        follower_count: "1",
        tag_list: "",
        is_image_or_video: "video",
        image_src: "s",
        downloaded: 0,
        save_location: "/x",
        category: "c",
        ingested_at: "2026-11-26T10:00:00.000Z"
      })
    }))
    const junk = Array.from({ length: 400 }, (_, i) => ({ key: `j-${i}`, value: `junk ${i}` }))
    const records = [...events, ...junk]
    let sent = 0
    const send = async (count: number) => {
      await produce(kafka, topic, records.slice(sent, sent + count))
      sent += Math.min(count, records.length - sent)
    }
    const a = start()
    await send(5000)
    await waitFor(
      "first rows",
      async () => (await counts(sql)).pins > 0,
      60_000,
      () => a.output()
    )
    // b joins while records keep arriving: the group rebalances with a's batches in flight
    const b = start()
    const assignedToB = () => lastAssignment(b).filter((p) => p.startsWith(`${topic}/`))
    await waitFor(
      "b's share of the partitions",
      async () => {
        if (sent < records.length - 5000) await send(500)
        return assignedToB().length > 0
      },
      60_000,
      () => b.output()
    )
    const before = (await counts(sql)).pins
    await send(records.length - sent)
    await waitFor(
      "every partition committed to its end",
      async () => {
        const p = await groupProgress(kafka, group, topic)
        return p.committed === p.end && p.end === n + 400
      },
      120_000,
      () => a.output() + b.output()
    )
    const admin = kafka.admin()
    await admin.connect()
    try {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
      const ends = await admin.fetchTopicOffsets(topic)
      expect(
        (committed?.partitions ?? []).map((p) => [p.partition, p.offset]).sort((x, y) => Number(x[0]) - Number(y[0]))
      ).toEqual(ends.map((p) => [p.partition, p.high]).sort((x, y) => Number(x[0]) - Number(y[0])))
    } finally {
      await admin.disconnect()
    }
    expect(await counts(sql)).toEqual({ pins: n, rejects: 400 })
    // each row is its own record: the coordinates stored are the record's, once each
    const [distinct] = await sql<Array<{ pins: number; rejects: number }>>`
      select (select count(distinct (partition, "offset"))::int from pins) as pins,
             (select count(distinct (partition, "offset"))::int from pin_rejects) as rejects`
    expect(distinct).toEqual({ pins: n, rejects: 400 })
    // b joined mid-run: rows were still to come when it got its share
    expect(before).toBeLessThan(n)
    a.child.kill("SIGTERM")
    b.child.kill("SIGTERM")
    expect([await a.exited, await b.exited]).toEqual([0, 0])
  }, 180_000)

  it("hands the store each partition's records in order (real Kafka, one write at a time)", async () => {
    const { topic, group, start } = await scenario(3)
    const worker = start({ STREAM_WRITE_CONCURRENCY: "1", STREAM_BATCH_SIZE: "50" })
    await waitFor("the worker's migrations", async () => (await sql`select 1 from pin_rejects limit 1`) !== undefined)
    // the order rows reach the table: a trigger numbers each reject as it is inserted
    await sql.unsafe(`
      create table if not exists write_order (seq bigserial primary key, partition integer, "offset" bigint);
      truncate write_order;
      create or replace function record_write_order() returns trigger language plpgsql as $$
        begin insert into write_order (partition, "offset") values (new.partition, new."offset"); return null; end $$;
      drop trigger if exists write_order on pin_rejects;
      create trigger write_order after insert on pin_rejects for each row execute function record_write_order();`)
    try {
      const n = 3000
      // not JSON: each record is one reject, inserted in the order the worker hands them over
      await produce(
        kafka,
        topic,
        Array.from({ length: n }, (_, i) => ({ key: `k-${i % 97}`, value: `junk ${i}` }))
      )
      await waitFor("every record committed", async () => {
        const p = await groupProgress(kafka, group, topic)
        return p.committed === n && p.end === n
      })
      const rows = await sql<Array<{ partition: number; offset: string }>>`
        select partition, "offset" from write_order order by seq`
      expect(rows.length).toBe(n)
      for (const partition of [0, 1, 2]) {
        const offsets = rows.filter((r) => r.partition === partition).map((r) => Number(r.offset))
        expect(offsets.length).toBeGreaterThan(0)
        expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i))
      }
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
    } finally {
      await sql.unsafe(`drop trigger if exists write_order on pin_rejects`)
    }
  }, 120_000)

  it("fails after its timeout, saying how to start Kafka, when no broker answers", async () => {
    const started = Date.now()
    const worker = spawnWorker({
      KAFKA_BROKERS: "127.0.0.1:1",
      DATABASE_URL: url,
      PINS_TOPIC: uniqueName("stream-nokafka"),
      STREAM_GROUP: uniqueName("g-nokafka")
    })
    workers.push(worker)
    expect(await worker.exited).toBe(1)
    const elapsed = Date.now() - started
    expect(worker.output()).toContain(
      "KAFKA_BROKERS=127.0.0.1:1: no broker answered at 127.0.0.1:1 after 10 s — is Kafka running? `npm run services -- up` starts one"
    )
    expect(elapsed).toBeGreaterThanOrEqual(10_000)
    expect(elapsed).toBeLessThan(30_000)
  }, 60_000)
})
