/**
 * `npm run bench -- idle [--quick]`: per program as deployed (`node packages/cli/src/bin.ts <command>`,
 * each its own process, with `--import bench/module-count.ts`), the modules it loaded and its resident set
 * once idle: started (ready, for the edge and start), and no module loaded for 3 s (2 s with --quick). Columns: file modules (ESM and
 * CommonJS, counted by a `module.registerHooks` load hook), of which from npm packages, whether
 * PGlite / the GCS client / kafkajs / postgres are among them, VmRSS at idle and VmHWM. The lean-load
 * work (issue 11, 2) is done when the edge loads neither PGlite nor the GCS client and the worker not
 * the GCS client. The services (Kafka, PostgreSQL, fake-gcs-server) are used by ingest, stream and
 * batch on a topic, group and schema of their own; `start` runs with the embedded defaults in a
 * temporary directory. The first row is the reference: node with the same hook and an empty script.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import type { BenchOptions } from "./bench.ts"
import { answers, root, sleep, spawnPinflow, spawnScript, waitUntil } from "./process.ts"

interface Counted {
  readonly files: number
  readonly builtins: number
  readonly packages: Record<string, number>
  readonly rssMb: number
  readonly peakMb: number
}

interface Case {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  /** Runs once and exits (`--help`), rather than serving. */
  readonly exits?: boolean
  readonly cwd?: string
  /** Answers 2xx once the program is up (its quiet period counts from then). */
  readonly ready?: string
  /** A script instead of bin.ts (the reference row). */
  readonly script?: string
}

const watched = [
  ["PGlite", "@electric-sql/pglite"],
  ["GCS", "@google-cloud/storage"],
  ["kafkajs", "kafkajs"],
  ["postgres", "postgres"]
] as const

const read = (file: string): Counted | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Counted
  } catch {
    return undefined
  }
}

/** Spawns the case and waits until it has exited or loaded nothing new for `quietMs`. */
const measure = async (c: Case, dir: string, quietMs: number): Promise<Counted & { readonly note: string }> => {
  const out = join(dir, `${c.name.replace(/\W+/g, "-")}.json`)
  const program = (c.script === undefined ? spawnPinflow : spawnScript.bind(null, c.script))(c.args, {
    env: { ...c.env, BENCH_MODULES_OUT: out, LOG_LEVEL: "Warn" },
    nodeArgs: ["--import", `${root}bench/module-count.ts`],
    ...(c.cwd === undefined ? {} : { cwd: c.cwd })
  })
  if (c.ready !== undefined) await waitUntil(`${c.name} ready`, answers(c.ready), { program, timeoutMs: 120_000 })
  const started = performance.now()
  let last = -1
  let since = performance.now()
  let note = ""
  for (;;) {
    await sleep(250)
    const now = read(out)
    if (program.exited()) {
      if (!c.exits) note = `exited ${program.child.exitCode}`
      break
    }
    if (now !== undefined && now.files !== last) {
      last = now.files
      since = performance.now()
    } else if (now !== undefined && performance.now() - since >= quietMs) break
    if (performance.now() - started > 60_000) {
      note = "still loading after 60 s"
      break
    }
  }
  const counted = read(out)
  const live = program.exited() ? undefined : program.memory()
  await program.stop()
  if (counted === undefined)
    return { files: 0, builtins: 0, packages: {}, rssMb: 0, peakMb: 0, note: note || "no count" }
  return { ...counted, ...(live === undefined ? {} : { rssMb: live.rssMb, peakMb: live.peakMb }), note }
}

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const id = Date.now().toString(36)
  const dir = mkdtempSync(join(tmpdir(), "pinflow-idle-"))
  const embedded = mkdtempSync(join(tmpdir(), "pinflow-idle-start-"))
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://pinflow:pinflow@127.0.0.1:5432/pinflow"
  const schema = `bench_idle_${id}`
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await sql.unsafe(`create schema "${schema}"`)
  const url = new URL(databaseUrl)
  url.searchParams.set("search_path", schema)
  const services = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
    GCS_ENDPOINT: process.env.GCS_ENDPOINT ?? "http://127.0.0.1:4443",
    GCS_BUCKET: process.env.GCS_BUCKET ?? "pinflow-test",
    DATABASE_URL: url.toString(),
    PINS_TOPIC: `bench-idle-${id}`,
    METRICS_PORT: "0"
  }
  // `pinflow start` chooses its embedded defaults when these are unset; its embedded database on a port of
  // its own, not the default another `pinflow start` on this machine may hold
  const none = { KAFKA_BROKERS: "", DATABASE_URL: "", GCS_BUCKET: "", GCS_ENDPOINT: "", PINFLOW_DB_PORT: "18293" }
  const cases: ReadonlyArray<Case> = [
    // the runtime alone, with the same counting hook: what every row below starts from
    { name: "node, empty script", args: [], env: {}, exits: true, script: `${root}bench/baseline/empty.ts` },
    { name: "pinflow --help", args: ["--help"], env: {}, exits: true },
    {
      name: "ingest",
      args: ["ingest", "--port", "18290", "--host", "127.0.0.1"],
      env: services,
      ready: "http://127.0.0.1:18290/readyz"
    },
    { name: "stream", args: ["stream"], env: { ...services, STREAM_GROUP: `bench-idle-${id}` } },
    { name: "batch schedule", args: ["batch", "schedule"], env: { ...services, BATCH_GROUP: `bench-idle-${id}` } },
    { name: "dashboard", args: ["dashboard", "--port", "18291"], env: { DATABASE_URL: services.DATABASE_URL } },
    {
      name: "start (embedded)",
      args: ["start", "--port", "18292", "--host", "127.0.0.1"],
      env: none,
      cwd: embedded,
      ready: "http://127.0.0.1:18292/readyz"
    }
  ]
  const quietMs = quick ? 2_000 : 3_000
  const head = ["program", "modules", "npm", "builtins", ...watched.map(([n]) => n), "RSS idle", "peak RSS", "note"]
  const rows: Array<ReadonlyArray<string>> = [head]
  try {
    for (const c of cases) {
      const m = await measure(c, dir, quietMs)
      const npm = Object.entries(m.packages)
        .filter(([p]) => !p.startsWith("@pinflow/") && p !== "(other)")
        .reduce((n, [, k]) => n + k, 0)
      const row = [
        c.name,
        String(m.files),
        String(npm),
        String(m.builtins),
        ...watched.map(([, p]) => (m.packages[p] === undefined ? "-" : `yes (${m.packages[p]})`)),
        `${m.rssMb.toFixed(0)} MB`,
        `${m.peakMb.toFixed(0)} MB`,
        m.note
      ]
      rows.push(row)
      process.stderr.write(`  measured ${c.name}\n`)
    }
  } finally {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`)
    await sql.end()
    rmSync(dir, { recursive: true, force: true })
    rmSync(embedded, { recursive: true, force: true })
  }
  const widths = head.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)))
  process.stdout.write(
    `idle: modules loaded and resident set per program (bin.ts, own process, idle = no module loaded for ${quietMs / 1000} s)\n`
  )
  for (const r of rows)
    process.stdout.write(
      `${r.map((v, c) => (c === 0 || c === r.length - 1 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join("  ")}\n`
    )
  const byName = (name: string) => rows.find((r) => r[0] === name)
  const loads = (name: string, what: string) => {
    const r = byName(name)
    const i = head.indexOf(what)
    return r !== undefined && r[i] !== "-"
  }
  process.stdout.write(
    `idle: the edge loads PGlite: ${loads("ingest", "PGlite") ? "yes (MISSED)" : "no"}, the GCS client: ${loads("ingest", "GCS") ? "yes (MISSED)" : "no"}; the worker loads the GCS client: ${loads("stream", "GCS") ? "yes (MISSED)" : "no"}\n`
  )
}
