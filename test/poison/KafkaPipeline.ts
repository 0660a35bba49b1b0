/**
 * `pinflow ingest` and two `pinflow stream` workers (PIN_STORE_METHOD unnest and copy, each its own
 * consumer group and Postgres schema) on a topic and a database of their own, as child processes against the real
 * services; and `pinflow batch run` over that topic. A poison that breaks one generation does not hide
 * what the next rows do: the test starts a fresh generation (new topic, groups, database) after it.
 */
import postgres from "postgres"
import { createSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { freePort } from "../support/freePort.ts"
import type { IntegrationEnv } from "../support/integration.ts"
import { uniqueName } from "../support/integration.ts"
import { type Program, spawnProgram } from "../support/spawnProgram.ts"
import type { Query } from "./Outcomes.ts"
import { deadPrograms, goodIds, postGood, sleep, type Target, watchLanding } from "./PoisonRow.ts"

const bin = "packages/cli/src/bin.ts"

/** Runs parameterised SQL on a store (for the outcome checks). */
export const storeQuery =
  (store: Store): Query =>
  async <R>(text: string, params: ReadonlyArray<unknown>) =>
    [...(await store.sql.unsafe(text, params as Array<never>))] as Array<R>

export interface Store {
  readonly method: "unnest" | "copy"
  readonly schema: string
  readonly url: string
  readonly sql: postgres.Sql
  readonly worker: Program
}

export interface Generation extends Target {
  readonly n: number
  /** A database of its own: batch runs lock a whole database, so generations' runs never wait for others'. */
  readonly database: string
  readonly topic: string
  readonly ingest: Program
  readonly stores: ReadonlyArray<Store>
  /** The rows posted to it, in order. */
  readonly rows: Array<string>
  /** A process died or events stopped landing: the next row gets a fresh generation. */
  broken: boolean
  /** The class of batch poison its rows belong to (undefined: none). */
  readonly batch: string | undefined
}

/** Runs one statement outside any transaction on the database of `url`. */
const admin = async (url: string, statement: string): Promise<void> => {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    await sql.unsafe(statement)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Creates database `name` beside the one of `url` and returns its URL. */
const createDatabase = async (url: string, name: string): Promise<string> => {
  await admin(url, `create database "${name}"`)
  const other = new URL(url)
  other.pathname = `/${name}`
  return other.toString()
}

const childEnv = (env: IntegrationEnv, vars: Record<string, string>): Record<string, string | undefined> => {
  const base: Record<string, string | undefined> = { ...process.env, KAFKA_BROKERS: env.kafkaBrokers.join(",") }
  for (const name of ["DATABASE_URL", "GCS_BUCKET", "GCS_ENDPOINT", "PINFLOW_HOME", "PIN_STORE_METHOD"])
    delete base[name]
  return { ...base, KAFKA_PARTITIONS: "2", LOG_LEVEL: "Info", ...vars }
}

/** What of `good` is not in `pins`, and which markers are in neither `pins` nor `pin_rejects`. */
const missingIn = async (
  store: Store,
  good: ReadonlyArray<string>,
  stored: ReadonlyArray<string>
): Promise<ReadonlyArray<string>> => {
  try {
    const landed = await store.sql<Array<{ unique_id: string }>>`
      select unique_id from pins where unique_id = any(${[...good]}::text[])`
    const found = new Set(landed.map((r) => r.unique_id))
    const unstored =
      stored.length === 0
        ? []
        : await store.sql<Array<{ m: string }>>`
      select m from unnest(${[...stored]}::text[]) as m
      where not exists (select 1 from pins where strpos(title, m) > 0 or strpos(unique_id, m) > 0)
        and not exists (
          select 1 from pin_rejects
          where strpos(raw, m) > 0 or strpos(coalesce(unique_id, ''), m) > 0 or strpos(detail, m) > 0)`
    return [
      ...good.filter((id) => !found.has(id)).map((id) => `${store.method}: good event ${id} not in pins`),
      ...unstored.map((r) => `${store.method}: accepted poison ${r.m} neither in pins nor in pin_rejects`)
    ]
  } catch (error) {
    // e.g. before the worker migrated its schema
    return [`${store.method}: ${error instanceof Error ? error.message : String(error)}`]
  }
}

const waitReady = async (url: string, program: Program, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (program.child.exitCode !== null) throw new Error(`pinflow ingest exited:\n${program.output()}`)
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) return
    if (Date.now() > deadline) throw new Error(`pinflow ingest did not become ready:\n${program.output()}`)
    await sleep(200)
  }
}

/** Starts a generation and waits until five good events landed through it (the workers are consuming). */
export const startGeneration = async (
  env: IntegrationEnv,
  n: number,
  batch: string | undefined
): Promise<Generation> => {
  const topic = uniqueName(`poison-${n}`)
  const port = await freePort()
  const ingest = spawnProgram(
    bin,
    ["ingest", "--port", String(port), "--host", "127.0.0.1"],
    childEnv(env, { PINS_TOPIC: topic })
  )
  const database = uniqueName(`poison_${n}`, "_")
  const databaseUrl = await createDatabase(env.databaseUrl, database)
  const stores = await Promise.all(
    (["unnest", "copy"] as const).map(async (method): Promise<Store> => {
      const schema = `pins_${method}`
      const url = await createSchema(databaseUrl, schema)
      const worker = spawnProgram(
        bin,
        ["stream"],
        childEnv(env, {
          DATABASE_URL: url,
          PINS_TOPIC: topic,
          STREAM_GROUP: uniqueName(`poison-${n}-${method}`),
          PIN_STORE_METHOD: method,
          METRICS_PORT: "0"
        })
      )
      return { method, schema, url, worker, sql: postgres(url, { max: 2, onnotice: () => undefined }) }
    })
  )
  const programs = [
    { name: "pinflow ingest", program: ingest },
    ...stores.map((s) => ({ name: `pinflow stream (PIN_STORE_METHOD=${s.method})`, program: s.worker }))
  ]
  const generation: Generation = {
    n,
    database,
    topic,
    url: `http://127.0.0.1:${port}`,
    ingest,
    stores,
    rows: [],
    broken: false,
    batch,
    dead: () => deadPrograms(programs),
    watch: async () => async (good, stored) =>
      (await Promise.all(stores.map((store) => missingIn(store, good, stored)))).flat()
  }
  await waitReady(generation.url, ingest, 60_000)
  const warmup = goodIds(uniqueName(`warmup-${n}`))
  const answers = await postGood(generation.url, warmup)
  if (answers.some((a) => a.status !== 200))
    throw new Error(`warm-up events refused: ${JSON.stringify(answers)}\n${ingest.output().slice(-2000)}`)
  const check = await generation.watch()
  const { missing, dead } = await watchLanding(generation, check, warmup, [], 60_000)
  if (missing.length > 0 || dead.length > 0)
    throw new Error(`generation ${n} did not start: ${[...missing, ...dead].join("\n")}`)
  return generation
}

const stop = async (program: Program): Promise<void> => {
  if (program.child.exitCode !== null || program.child.signalCode !== null) return
  program.child.kill("SIGTERM")
  const timer = setTimeout(() => program.child.kill("SIGKILL"), 15_000)
  await program.exited
  clearTimeout(timer)
}

/** Stops its processes (SIGTERM, SIGKILL after 15 s); the database stays for the batch run. */
export const stopGeneration = async (generation: Generation): Promise<void> => {
  await Promise.all([generation.ingest, ...generation.stores.map((s) => s.worker)].map(stop))
}

export const dropGeneration = async (env: IntegrationEnv, generation: Generation): Promise<void> => {
  await Promise.all(generation.stores.map((s) => s.sql.end({ timeout: 5 })))
  await admin(env.databaseUrl, `drop database if exists "${generation.database}" with (force)`)
}

export interface BatchOutcome {
  readonly exitCode: number | null
  readonly runs: ReadonlyArray<{ readonly day: string; readonly status: string; readonly error: string | null }>
  readonly output: string
}

/** `pinflow batch run --date <day>` over the generation's topic, into a bucket of its own and its unnest schema. */
export const runBatch = async (env: IntegrationEnv, generation: Generation, day: string): Promise<BatchOutcome> => {
  const bucket = uniqueName(`poison-${generation.n}`)
  const created = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: bucket })
  })
  if (!created.ok) throw new Error(`create bucket ${bucket}: HTTP ${created.status}`)
  const store = generation.stores[0]
  if (store === undefined) throw new Error("a generation has stores")
  const program = spawnProgram(
    bin,
    ["batch", "run", "--date", day],
    childEnv(env, {
      DATABASE_URL: store.url,
      PINS_TOPIC: generation.topic,
      BATCH_GROUP: uniqueName(`poison-archive-${generation.n}`),
      GCS_ENDPOINT: env.gcsEndpoint,
      GCS_BUCKET: bucket,
      BATCH_RETRIES: "0"
    })
  )
  const timer = setTimeout(() => program.child.kill("SIGKILL"), 90_000)
  const exitCode = await program.exited
  clearTimeout(timer)
  const runs = await store.sql<Array<{ day: string; status: string; error: string | null }>>`
    select day::text as day, status, error from batch_runs order by id`
  return { exitCode, runs: [...runs], output: program.output() }
}
