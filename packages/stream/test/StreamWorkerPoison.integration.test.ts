/**
 * The poison records that stopped or stalled the worker, each written straight to the topics by a raw
 * kafkajs producer, followed in the same send by five good events: every record must end as a row or a
 * reject, the five land, the offsets are committed to the end, and the worker never exits — on both
 * pin write paths.
 */
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { createSchema, dropSchema } from "../../adapters/test/DatabaseSchema.ts"
import {
  createTopics,
  groupProgress,
  kafkaOf,
  produce,
  spawnWorker,
  type Worker,
  waitFor
} from "./IntegrationSupport.ts"

const good = (id: string) =>
  JSON.stringify({
    index: 1,
    unique_id: id,
    title: `Title ${id}`,
    description: "d",
    follower_count: "7k",
    tag_list: "a,b",
    is_image_or_video: "image",
    image_src: "s",
    downloaded: 1,
    save_location: "Local save in /data/art",
    category: "art",
    ingested_at: "2026-11-26T10:00:00.000Z"
  })

const edgeReject = (overrides: Record<string, unknown>) =>
  JSON.stringify({ reason: "schema", detail: "d", raw: { a: 1 }, rejected_at: "2026-11-26T10:00:00Z", ...overrides })

interface StoredReject {
  readonly reason: string
  readonly detail: string
  readonly unique_id: string | null
  readonly raw: string
}

interface PoisonCase {
  readonly name: string
  /** Which topic the poison records go to (the good events always go to the pins topic). */
  readonly rejected: boolean
  readonly values: ReadonlyArray<string>
  /** The reject rows expected at the poison's coordinates, when they do not depend on the cleaning rules. */
  readonly expected?: ReadonlyArray<StoredReject>
}

/**
 * Rows the test's own CHECK constraints make Postgres refuse whatever the cleaning rules accept (the rules
 * keep most poison away from the database; these reach it): a pin, a reject as it is (its last-resort form
 * passes), a reject in its last-resort form too (only its bare coordinates pass).
 */
const refusals = [
  `alter table pins add constraint poison_title check (title is distinct from 'refused by postgres')`,
  `alter table pin_rejects add constraint poison_raw check (raw <> 'refused raw')`,
  `alter table pin_rejects add constraint poison_detail check (detail not like '%refused in every form%')`
]

const cases: ReadonlyArray<PoisonCase> = [
  {
    name: "a pin Postgres refuses",
    rejected: false,
    values: [JSON.stringify({ ...JSON.parse(good("refused-pin")), title: "refused by postgres" })],
    expected: [
      {
        reason: "unstorable",
        detail: 'the database refused this pin: new row for relation "pins" violates check constraint "poison_title"',
        unique_id: "refused-pin",
        raw: JSON.stringify({ ...JSON.parse(good("refused-pin")), title: "refused by postgres" })
      }
    ]
  },
  {
    name: "an edge reject Postgres refuses as it is",
    rejected: true,
    values: [edgeReject({ raw: "refused raw", unique_id: "edge-1" })],
    expected: [
      {
        reason: "schema",
        detail:
          'the database refused this reject (new row for relation \\"pin_rejects\\" violates check constraint \\"poison_raw\\"); stored in last-resort form, text JSON-escaped; detail: d',
        unique_id: "edge-1",
        raw: '"refused raw"'
      }
    ]
  },
  {
    name: "an edge reject Postgres refuses even in its last-resort form",
    rejected: true,
    values: [edgeReject({ detail: "refused in every form" })],
    expected: [
      {
        reason: "unstorable",
        detail:
          'the database refused this reject even in its last-resort form: new row for relation \\"pin_rejects\\" violates check constraint \\"poison_detail\\"',
        unique_id: null,
        raw: ""
      }
    ]
  },
  {
    name: "follower_count 1. and 400 zeros",
    rejected: false,
    values: [JSON.stringify({ ...JSON.parse(good("fc-poison")), follower_count: `1.${"0".repeat(400)}` })]
  },
  {
    name: "two ids differing only in lone surrogates, in one batch",
    rejected: false,
    values: [
      JSON.stringify({ ...JSON.parse(good("x")), unique_id: "sur\uD800", title: "first" }),
      JSON.stringify({ ...JSON.parse(good("x")), unique_id: "sur\uDBFF", title: "second" })
    ]
  },
  {
    name: "ingested_at 2026-13-45",
    rejected: false,
    values: [
      JSON.stringify({ ...JSON.parse(good("x")), unique_id: "month-13", ingested_at: "2026-13-45T10:00:00.000Z" })
    ]
  },
  {
    name: "an edge reject with rejected_at year 0",
    rejected: true,
    values: [edgeReject({ rejected_at: "0000-01-01T00:00:00Z" })]
  },
  {
    name: "an edge reject with NUL in its text",
    rejected: true,
    values: [edgeReject({ detail: "nul \u0000 here", raw: "r\u0000" })]
  },
  { name: "a NUL byte in an edge record that is not JSON", rejected: true, values: ["\u0000 not json \uD800"] },
  {
    name: "an edge reject with a 10,000-deep raw",
    rejected: true,
    values: [
      `{"reason":"schema","detail":"d","raw":${"[".repeat(10_000)}${"]".repeat(10_000)},"rejected_at":"2026-11-26T10:00:00Z"}`
    ]
  }
]

describeIntegration("stream worker against poison records on Kafka and PostgreSQL", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("stream_poison", "_")
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

  for (const method of ["unnest", "copy"] as const) {
    it(`${method}: every poison record ends as a row or a reject, the five good events after each land, the worker never exits`, async () => {
      const topic = uniqueName(`stream-poison-${method}`)
      const rejectedTopic = `${topic}.rejected`
      // one partition each: the offsets of what is produced are known in advance
      await createTopics(kafka, [topic, rejectedTopic], 1)
      const group = `g-${topic}`
      const worker = spawnWorker({
        KAFKA_BROKERS: env.kafkaBrokers.join(","),
        DATABASE_URL: url,
        PINS_TOPIC: topic,
        STREAM_GROUP: group,
        PIN_STORE_METHOD: method
      })
      workers.push(worker)
      const output = () => worker.output()
      await waitFor(
        "the worker's migrations",
        async () => (await sql`select 1 from pins limit 1`) !== undefined,
        60_000,
        output
      )
      for (const statement of refusals) await sql.unsafe(statement).catch(() => undefined)
      const offsets = { pins: 0, rejected: 0 }
      for (const [n, poison] of cases.entries()) {
        const goodIds = Array.from({ length: 5 }, (_, i) => `${method}-good-${n}-${i}`)
        const poisonTopic = poison.rejected ? rejectedTopic : topic
        const first = poison.rejected ? offsets.rejected : offsets.pins
        const poisonOffsets = poison.values.map((_, i) => first + i)
        if (poison.rejected) {
          await produce(
            kafka,
            rejectedTopic,
            poison.values.map((value) => ({ key: null, value }))
          )
          offsets.rejected += poison.values.length
          await produce(
            kafka,
            topic,
            goodIds.map((id) => ({ key: id, value: good(id) }))
          )
        } else {
          // the poison and the good events in one send: one batch for the worker
          await produce(kafka, topic, [
            ...poison.values.map((value) => ({ key: "poison", value })),
            ...goodIds.map((id) => ({ key: id, value: good(id) }))
          ])
        }
        offsets.pins += (poison.rejected ? 0 : poison.values.length) + goodIds.length
        await waitFor(
          `the five good events after ${poison.name}`,
          async () => {
            const [row] = await sql<
              Array<{ n: number }>
            >`select count(*)::int as n from pins where unique_id in ${sql(goodIds)}`
            return row?.n === 5
          },
          60_000,
          output
        )
        await waitFor(
          `the commits after ${poison.name}`,
          async () => {
            const p = await groupProgress(kafka, group, topic)
            const r = await groupProgress(kafka, group, rejectedTopic)
            return p.committed === offsets.pins && r.committed === offsets.rejected
          },
          60_000,
          output
        )
        // each poison record is accounted for: a reject at its coordinates, or the pin row it became
        const rejects = await sql<Array<StoredReject & { offset: string }>>`
          select "offset", reason, detail, unique_id, raw from pin_rejects
          where topic = ${poisonTopic} and "offset" in ${sql(poisonOffsets)} order by "offset"`
        if (poison.expected !== undefined)
          expect(
            rejects.map(({ reason, detail, unique_id, raw }) => ({ reason, detail, unique_id, raw })),
            poison.name
          ).toEqual(poison.expected)
        const pins = await sql<Array<{ offset: string }>>`
          select "offset" from pins where topic = ${poisonTopic} and "offset" in ${sql(poisonOffsets)}`
        const accounted = [...rejects, ...pins].map((r) => Number(r.offset)).sort((a, b) => a - b)
        if (poison.values.length === 2 && pins.length === 1) {
          // the two ids are one pin in Postgres: the later version is the row, nothing else is stored
          expect(accounted, poison.name).toEqual([poisonOffsets[1]])
        } else expect(accounted, poison.name).toEqual(poisonOffsets)
        expect(worker.child.exitCode, `${poison.name}\n${output().slice(-3000)}`).toBeNull()
      }
      expect(output()).not.toContain("batch write failed, retrying")
      worker.child.kill("SIGTERM")
      expect(await worker.exited).toBe(0)
    }, 240_000)
  }
})
