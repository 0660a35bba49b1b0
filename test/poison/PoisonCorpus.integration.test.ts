/**
 * The standing adversarial harness: every row of the poison corpus through `pinflow ingest`, two
 * `pinflow stream` workers (unnest and copy writes) and `pinflow batch run`, on real Kafka, PostgreSQL and
 * fake-gcs-server. Per row: the edge never answers 5xx, no process exits, five good events posted after the
 * poison land within seconds, and every poison the edge accepted (or another producer wrote) is a row in
 * `pins` or `pin_rejects`. Then each topic's day is archived and processed: exit 0, a succeeded run.
 */
import { Kafka, logLevel, type Producer } from "kafkajs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import {
  dropGeneration,
  type Generation,
  runBatch,
  startGeneration,
  stopGeneration,
  storeQuery
} from "./KafkaPipeline.ts"
import { outcomesIn } from "./Outcomes.ts"
import {
  elementMarker,
  groupedByBatch,
  type HttpPoison,
  httpCorpus,
  type KafkaPoison,
  kafkaCorpus,
  type Poison
} from "./PoisonCorpus.ts"
import {
  describeExpected,
  goodIds,
  meets,
  type Observation,
  observeHttpRow,
  postGood,
  watchLanding
} from "./PoisonRow.ts"

/** "Within a few seconds": the worker writes a batch 200 ms after its first record. */
const landingMs = 10_000

describeIntegration("poison corpus through ingest, stream and batch", ["kafka", "postgres", "gcs"], (env) => {
  const generations: Array<Generation> = []
  let producer: Producer | undefined

  /**
   * The generation to post a row to: a fresh one when the last was broken by its row, and whenever the
   * row's class of batch poison differs from the last row's, so that each day's run names its class.
   */
  const current = async (row: Poison): Promise<Generation> => {
    const last = generations.at(-1)
    if (last !== undefined && !last.broken && last.batch === row.batch) {
      last.rows.push(row.name)
      return last
    }
    if (last !== undefined) await stopGeneration(last)
    const next = await startGeneration(env, generations.length, row.batch)
    generations.push(next)
    next.rows.push(row.name)
    return next
  }

  const workerTails = (g: Generation): string =>
    g.stores.map((s) => `--- stream (${s.method}) ---\n${s.worker.output().slice(-2000)}`).join("\n")

  const checkLanding = (g: Generation, o: Pick<Observation, "dead" | "missing" | "goodAnswers">) => {
    if (o.dead.length > 0 || o.missing.length > 0) g.broken = true
    expect
      .soft(
        o.goodAnswers.map((a) => a.status),
        `good events after the poison answered: ${o.goodAnswers.map((a) => a.body).join(" | ")}`
      )
      .toEqual([200, 200, 200, 200, 200])
    expect.soft(o.dead, "processes that exited").toEqual([])
    expect.soft(o.missing, `not landed within ${landingMs} ms (generation ${g.n});\n${workerTails(g)}`).toEqual([])
  }

  /** Where the design says exactly what an element becomes, each store holds exactly that. */
  const checkOutcomes = async (g: Generation, marker: string, row: Poison) => {
    if (row.outcomes === undefined || g.broken) return
    for (const store of g.stores) {
      const { expected, actual } = await outcomesIn(storeQuery(store), marker, row.outcomes)
      expect.soft(actual, `${store.method}: what each poison element became`).toEqual(expected)
    }
  }

  beforeAll(async () => {
    const kafka = new Kafka({ clientId: "poison-corpus", brokers: [...env.kafkaBrokers], logLevel: logLevel.NOTHING })
    producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
  })

  afterAll(async () => {
    await producer?.disconnect()
    for (const g of generations) await stopGeneration(g)
    for (const g of generations) await dropGeneration(env, g)
  }, 120_000)

  const httpRow = (row: HttpPoison) =>
    it(`edge: ${row.name}`, async () => {
      const g = await current(row)
      const marker = uniqueName("p")
      const o = await observeHttpRow(g, row, marker, landingMs)
      for (const answer of o.answers) {
        expect
          .soft(
            meets(row.expected, answer.status),
            `poison answered ${answer.status} (expected ${describeExpected(row.expected)}): ${answer.body}`
          )
          .toBe(true)
        if (row.maxResponseBytes !== undefined)
          expect.soft(answer.bytes, "answer body bytes").toBeLessThanOrEqual(row.maxResponseBytes)
      }
      checkLanding(g, o)
      if (o.answers.every((a) => a.status >= 200 && a.status < 300)) await checkOutcomes(g, marker, row)
    }, 150_000)

  const kafkaRow = (row: KafkaPoison) =>
    it(`other producer: ${row.name}`, async () => {
      const g = await current(row)
      const marker = uniqueName("k")
      const topic = row.topic === "pins" ? g.topic : `${g.topic}.rejected`
      const check = await g.watch()
      await producer?.send({ topic, messages: row.records(marker).map((r) => ({ key: r.key, value: r.value })) })
      const good = goodIds(marker)
      const goodAnswers = await postGood(g.url, good)
      const stored = Array.from({ length: row.elements }, (_, i) => elementMarker(marker, i))
      const { missing, dead } = await watchLanding(g, check, good, stored, landingMs)
      checkLanding(g, { goodAnswers, missing, dead })
      await checkOutcomes(g, marker, row)
    }, 150_000)

  // rows of one class of batch poison are consecutive, so they share one pipeline and one day's run
  for (const row of groupedByBatch<Poison>([...httpCorpus, ...kafkaCorpus])) {
    if (row.kind === "http") httpRow(row)
    else kafkaRow(row)
  }

  it("batch run over each generation's topic: exit 0 and a succeeded run for the day", async () => {
    await Promise.all(generations.map(stopGeneration))
    const day = new Date().toISOString().slice(0, 10)
    // three at a time: most of a run is waiting for the consumer group to form
    const outcomes = await mapLimit(generations, 3, (g) => runBatch(env, g, day))
    generations.forEach((g, i) => {
      const outcome = outcomes[i]
      if (outcome === undefined) return
      const rows = `generation ${g.n} (${g.batch ?? "no batch poison class"}) had: ${g.rows.join("; ")}`
      expect.soft(outcome.exitCode, `${rows}\n${outcome.output.slice(-4000)}`).toBe(0)
      const today = outcome.runs.filter((r) => r.day === day)
      expect.soft(today.length, `${rows}: runs ${JSON.stringify(outcome.runs)}`).toBeGreaterThan(0)
      expect
        .soft(
          today.filter((r) => r.status !== "succeeded"),
          rows
        )
        .toEqual([])
    })
  }, 170_000)
})

/** f over xs, at most `limit` at once, results in order. */
const mapLimit = async <A, B>(xs: ReadonlyArray<A>, limit: number, f: (x: A) => Promise<B>): Promise<Array<B>> => {
  const results: Array<B> = []
  let next = 0
  const lane = async () => {
    for (let i = next++; i < xs.length; i = next++) results[i] = await f(xs[i] as A)
  }
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, lane))
  return results
}
