/**
 * The poison corpus's HTTP rows against `pinflow start` on embedded defaults: the edge never answers 5xx,
 * the process stays up, five good events posted after each poison are written within seconds; at the
 * end SIGTERM exits 0 and the embedded database holds every good event and every accepted poison.
 */
import { rmSync } from "node:fs"
import { dirname } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { uniqueName } from "../support/integration.ts"
import { httpCorpus } from "./PoisonCorpus.ts"
import { describeExpected, meets, observeHttpRow } from "./PoisonRow.ts"
import { readBack, type StartGeneration, startEmbedded, stopEmbedded } from "./StartPipeline.ts"

const landingMs = 10_000

describe("poison corpus through pinflow start on embedded defaults", () => {
  const generations: Array<StartGeneration> = []

  /** The process to post to: a fresh one (new PINFLOW_HOME) when the last was broken by its row. */
  const current = async (): Promise<StartGeneration> => {
    const last = generations.at(-1)
    if (last !== undefined && !last.broken) return last
    if (last !== undefined) await stopEmbedded(last)
    const next = await startEmbedded(generations.length)
    generations.push(next)
    return next
  }

  afterAll(async () => {
    await Promise.all(generations.map(stopEmbedded))
    for (const g of generations) rmSync(dirname(g.home), { recursive: true, force: true })
  }, 60_000)

  for (const row of httpCorpus) {
    it(row.name, async () => {
      const g = await current()
      g.rows.push(row.name)
      const marker = uniqueName("s")
      const o = await observeHttpRow(g, row, marker, landingMs)
      if (row.outcomes !== undefined && o.answers.every((a) => a.status >= 200 && a.status < 300))
        g.outcomes.push({ marker, outcomes: row.outcomes })
      if (o.dead.length > 0 || o.missing.length > 0) g.broken = true
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
      expect
        .soft(
          o.goodAnswers.map((a) => a.status),
          `good events after the poison answered: ${o.goodAnswers.map((a) => a.body).join(" | ")}`
        )
        .toEqual([200, 200, 200, 200, 200])
      expect.soft(o.dead, "pinflow start exited").toEqual([])
      expect.soft(o.missing, `not written within ${landingMs} ms:\n${g.program.output().slice(-3000)}`).toEqual([])
    }, 150_000)
  }

  it("SIGTERM exits 0; the database holds every good event and accepted poison, as the design says", async () => {
    for (const g of generations) {
      const rows = `process ${g.n} had: ${g.rows.join("; ")}`
      const stop = await stopEmbedded(g)
      expect.soft(stop.exitCode, `${rows}\n${stop.output.slice(-3000)}`).toBe(0)
      const read = await readBack(g)
      expect.soft(read.missing, rows).toEqual([])
      expect.soft(read.outcomes.actual, `${rows}: what each poison element became`).toEqual(read.outcomes.expected)
    }
  }, 120_000)
})
