/**
 * `pinflow start` on embedded defaults, as a newcomer runs it: post events, see them as rows and rejects
 * in the embedded database, stop, start again, and the data is still there.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cleanPinLine } from "@pinflow/domain"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { sampleLines } from "../support/sampleData.ts"
import { eventually, metric, postPins, startPinflow } from "./StartProcess.ts"

/** Reads the embedded database after the process stopped (PGlite allows one process at a time). */
const readDatabase = async (home: string) => {
  const { PGlite } = await import("@electric-sql/pglite")
  const db = await PGlite.create(join(home, "postgres"))
  try {
    const pins = await db.query<{ unique_id: string }>("select unique_id from pins order by unique_id")
    const rejects = await db.query<{ reason: string; source: string; n: number }>(
      "select reason, source, count(*)::int as n from pin_rejects group by reason, source order by reason, source"
    )
    return { pins: pins.rows.map((r) => r.unique_id), rejects: rejects.rows }
  } finally {
    await db.close()
  }
}

const invalid = [
  JSON.stringify({ index: "not a number", unique_id: "bad-1" }),
  JSON.stringify({ unique_id: "bad-2", title: 3 })
]

describe("pinflow start on embedded defaults", () => {
  it("lands posted events as pins and rejects, and keeps them across a restart", async (ctx) => {
    const sample = sampleLines()
    if ("skip" in sample) return ctx.skip(sample.skip)
    const home = join(mkdtempSync(join(tmpdir(), "pinflow-start-")), ".pinflow")
    const first = sample.lines.slice(0, 100)
    const second = sample.lines.slice(100, 160)
    const cleanIds = (lines: ReadonlyArray<string>) =>
      lines.flatMap((line) => {
        const outcome = cleanPinLine(line)
        return Result.isSuccess(outcome) ? [outcome.success.unique_id as string] : []
      })
    const expectedFirst = cleanIds(first)
    const emptyFirst = first.length - expectedFirst.length
    expect(emptyFirst).toBeGreaterThan(0) // the first rows include a pin with no content

    const run1 = await startPinflow({ PINFLOW_HOME: home })
    const response = await postPins(run1.url, [...first, ...invalid])
    expect(response.status).toBe(200)
    await eventually(
      async () =>
        (await metric(run1.url, "pinflow_pins_written_total")) === expectedFirst.length &&
        (await metric(run1.url, "pinflow_rejects_written_total")) === emptyFirst + invalid.length,
      "the worker to write every pin and reject",
      run1.output
    )
    expect(run1.output()).toContain("database: embedded PostgreSQL (PGlite)")
    expect(await run1.stop()).toBe(0)

    const afterFirst = await readDatabase(home)
    expect(afterFirst.pins).toEqual([...expectedFirst].sort())
    expect(afterFirst.rejects).toEqual([
      { reason: "empty_pin", source: "stream", n: emptyFirst },
      { reason: "schema", source: "ingest", n: invalid.length }
    ])

    const run2 = await startPinflow({ PINFLOW_HOME: home })
    // the in-process log starts afresh: its offsets must not collide with the first run's rejects
    const invalidAgain = [JSON.stringify({ index: 1, unique_id: "bad-3" }), JSON.stringify({ unique_id: "bad-4" })]
    expect((await postPins(run2.url, [...second, first[0] ?? "", ...invalidAgain])).status).toBe(200)
    const expectedSecond = cleanIds(second)
    const emptySecond = second.length - expectedSecond.length
    await eventually(
      async () =>
        (await metric(run2.url, "pinflow_pins_written_total")) === expectedSecond.length + 1 &&
        (await metric(run2.url, "pinflow_rejects_written_total")) === emptySecond + invalidAgain.length,
      "the second run's pins and rejects",
      run2.output
    )
    expect(await run2.stop()).toBe(0)
    const afterSecond = await readDatabase(home)
    // a repeated unique_id is the same pin: one row
    expect(afterSecond.pins).toEqual([...new Set([...expectedFirst, ...expectedSecond])].sort())
    expect(afterSecond.rejects).toEqual([
      ...(emptyFirst + emptySecond > 0 ? [{ reason: "empty_pin", source: "stream", n: emptyFirst + emptySecond }] : []),
      { reason: "schema", source: "ingest", n: invalid.length + invalidAgain.length }
    ])
  }, 180_000)
})
