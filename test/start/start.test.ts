/**
 * `pinflow start` on embedded defaults, as a newcomer runs it: post events, see them as rows and rejects
 * in the embedded database, stop, start again, and the data is still there.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
    const empty = await db.query<{ unique_id: string }>(
      "select unique_id from pin_rejects where reason = 'empty_pin' order by unique_id"
    )
    return {
      pins: pins.rows.map((r) => r.unique_id),
      rejects: rejects.rows,
      emptyPins: empty.rows.map((r) => r.unique_id)
    }
  } finally {
    await db.close()
  }
}

/** The sample's ids of `lines`, read from the field (no cleaning). */
const idsOf = (lines: ReadonlyArray<string>) =>
  lines.map((line) => (JSON.parse(line) as { unique_id: string }).unique_id)

// Hand-checked in the sample: rows 0-99 and 100-159 have distinct ids, all structurally valid and of a known
// media type; in each range exactly one has both title and description placeholders (an empty pin).
const emptyInFirst = "72c5e48f-2413-4c40-8724-71c11a87e80b"
const emptyInSecond = "94f1dbbe-d085-400b-ad84-f5cddcac1015"

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
    const expectedFirst = idsOf(first).filter((id) => id !== emptyInFirst)
    const emptyFirst = 1
    expect([expectedFirst.length, new Set(expectedFirst).size]).toEqual([99, 99])

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
    expect(afterFirst.emptyPins).toEqual([emptyInFirst])

    const run2 = await startPinflow({ PINFLOW_HOME: home })
    // the in-process log starts afresh: its offsets must not collide with the first run's rejects
    const invalidAgain = [JSON.stringify({ index: 1, unique_id: "bad-3" }), JSON.stringify({ unique_id: "bad-4" })]
    expect((await postPins(run2.url, [...second, first[0] ?? "", ...invalidAgain])).status).toBe(200)
    const expectedSecond = idsOf(second).filter((id) => id !== emptyInSecond)
    const emptySecond = 1
    expect([expectedSecond.length, new Set(expectedSecond).size]).toEqual([59, 59])
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
      { reason: "empty_pin", source: "stream", n: emptyFirst + emptySecond },
      { reason: "schema", source: "ingest", n: invalid.length + invalidAgain.length }
    ])
    expect(afterSecond.emptyPins).toEqual([emptyInFirst, emptyInSecond].sort())
  }, 180_000)
})
