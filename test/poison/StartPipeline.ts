/**
 * `pinflow start` on embedded defaults (no KAFKA_BROKERS, DATABASE_URL, GCS_BUCKET; a temp PINFLOW_HOME)
 * as a target for the poison corpus. While it runs, landing is read from its metrics; its embedded
 * database is read after it stopped (PGlite allows one process at a time), as test/start does.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "../support/freePort.ts"
import { type Program, spawnProgram } from "../support/spawnProgram.ts"
import { outcomesIn } from "./Outcomes.ts"
import type { Outcome } from "./PoisonCorpus.ts"
import { deadPrograms, goodIds, postGood, sleep, type Target, watchLanding } from "./PoisonRow.ts"

export interface StartGeneration extends Target {
  readonly n: number
  readonly home: string
  readonly program: Program
  readonly rows: Array<string>
  /** Good ids and accepted poison markers posted to it: rows expected in its database. */
  readonly good: Array<string>
  readonly stored: Array<string>
  /** Rows accepted with an exact outcome, checked in its database after the stop. */
  readonly outcomes: Array<{ readonly marker: string; readonly outcomes: ReadonlyArray<Outcome> }>
  broken: boolean
}

/** The sum of a Prometheus sample over its labels, 0 when absent (or when the edge does not answer). */
const metric = async (url: string, name: string): Promise<number> => {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => ""
  )
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)
}

const written = (url: string) => metric(url, "pinflow_pins_written_total")

export const startEmbedded = async (n: number): Promise<StartGeneration> => {
  const home = join(mkdtempSync(join(tmpdir(), "pinflow-poison-")), ".pinflow")
  const port = await freePort()
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: "127.0.0.1" }
  for (const name of ["KAFKA_BROKERS", "DATABASE_URL", "GCS_BUCKET", "GCS_ENDPOINT", "OBJECT_STORE_DIR"])
    delete env[name]
  const program = spawnProgram("packages/cli/src/bin.ts", ["start"], { ...env, PINFLOW_HOME: home })
  const url = `http://127.0.0.1:${port}`
  const generation: StartGeneration = {
    n,
    home,
    program,
    url,
    rows: [],
    good: [],
    stored: [],
    outcomes: [],
    broken: false,
    dead: () => deadPrograms([{ name: "pinflow start", program }]),
    watch: async () => {
      const before = await written(url)
      return async (good, stored) => {
        // the exact rows are checked in the database after the stop
        generation.good.push(...good.filter((id) => !generation.good.includes(id)))
        generation.stored.push(...stored.filter((m) => !generation.stored.includes(m)))
        const landed = (await written(url)) - before
        return landed >= good.length
          ? []
          : [`${landed} of ${good.length} good pins written (pinflow_pins_written_total)`]
      }
    }
  }
  const deadline = Date.now() + 90_000
  for (;;) {
    if (program.child.exitCode !== null) throw new Error(`pinflow start exited:\n${program.output()}`)
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (Date.now() > deadline) throw new Error(`pinflow start did not become ready:\n${program.output()}`)
    await sleep(250)
  }
  const warmup = goodIds(`warmup-${n}`)
  // the count before posting: an idle worker writes at once, so a pin may land before the answers are read
  const check = await generation.watch()
  const answers = await postGood(url, warmup)
  if (answers.some((a) => a.status !== 200)) throw new Error(`warm-up refused: ${JSON.stringify(answers)}`)
  const { missing, dead } = await watchLanding(generation, check, warmup, [], 60_000)
  if (missing.length > 0 || dead.length > 0)
    throw new Error(`pinflow start ${n} did not land its warm-up: ${[...missing, ...dead].join("\n")}`)
  return generation
}

export interface Stopped {
  /** null when it had exited before (see `dead`), or was killed after 30 s. */
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly output: string
}

const stopped = new WeakMap<StartGeneration, Promise<Stopped>>()

/** SIGTERM (once; SIGKILL after 30 s) and the exit. */
export const stopEmbedded = (generation: StartGeneration): Promise<Stopped> => {
  const known = stopped.get(generation)
  if (known !== undefined) return known
  const { child, exited, output } = generation.program
  const wasRunning = child.exitCode === null && child.signalCode === null
  if (wasRunning) child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
  const result = exited.then((code) => {
    clearTimeout(timer)
    return { exitCode: wasRunning ? code : null, signal: child.signalCode, output: output() }
  })
  stopped.set(generation, result)
  return result
}

/**
 * After the stop: the good ids not in `pins`, the markers in neither `pins` nor `pin_rejects`, and what
 * the elements with an exact outcome became beside what they must become.
 */
export const readBack = async (generation: StartGeneration) => {
  const { PGlite } = await import("@electric-sql/pglite")
  const db = await PGlite.create(join(generation.home, "postgres"))
  try {
    const landed = await db.query<{ unique_id: string }>(
      "select unique_id from pins where unique_id = any($1::text[])",
      [generation.good]
    )
    const found = new Set(landed.rows.map((r) => r.unique_id))
    const unstored = await db.query<{ m: string }>(
      `select m from unnest($1::text[]) as m
       where not exists (select 1 from pins where strpos(title, m) > 0 or strpos(unique_id, m) > 0)
         and not exists (
           select 1 from pin_rejects
           where strpos(raw, m) > 0 or strpos(coalesce(unique_id, ''), m) > 0 or strpos(detail, m) > 0)`,
      [generation.stored]
    )
    const query = async <R>(text: string, params: ReadonlyArray<unknown>) => (await db.query<R>(text, [...params])).rows
    const expected: Array<unknown> = []
    const actual: Array<unknown> = []
    for (const row of generation.outcomes) {
      const compared = await outcomesIn(query, row.marker, row.outcomes)
      expected.push(...compared.expected)
      actual.push(...compared.actual)
    }
    return {
      missing: [
        ...generation.good.filter((id) => !found.has(id)).map((id) => `good event ${id} not in pins`),
        ...unstored.rows.map((r) => `accepted poison ${r.m} neither in pins nor in pin_rejects`)
      ],
      outcomes: { expected, actual }
    }
  } finally {
    await db.close()
  }
}
