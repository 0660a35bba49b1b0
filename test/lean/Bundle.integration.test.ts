/**
 * Issue 11.1, the production build: `npm run build` makes `dist/pinflow.mjs`, and the bundled `pinflow ingest`
 * and `pinflow stream`, launched as the README's production commands, carry sample events to rows against
 * Kafka and PostgreSQL; the bundled edge idles on far less memory than the same edge run from source (no
 * type stripping, effect tree-shaken: ~118 vs ~190 MB VmHWM on the dev machine).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import postgres from "postgres"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { createTopics, kafkaOf } from "../../packages/stream/test/IntegrationSupport.ts"
import { answers } from "../signals/Launched.ts"
import { freePort } from "../support/freePort.ts"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { repoRoot, sampleLines } from "../support/sampleData.ts"

/** The README's production launch flag (young generation kept small, see README "Performance"). */
const launchFlags = ["--max-semi-space-size=4", "--heap-growing-percent=100"]
const bundle = "dist/pinflow.mjs"
const sources = "packages/cli/src/bin.ts"
const events = 100

const sample = sampleLines()

interface Launched {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** VmHWM in MB: the peak resident set since the process started. */
  readonly peakMb: () => number
}

const launch = (script: string, args: ReadonlyArray<string>, env: Record<string, string>): Launched => {
  const child = spawn(process.execPath, [...launchFlags, script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on("data", (chunk) => {
    output += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const peakMb = () =>
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024
  return { child, output: () => output, exited, peakMb }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `ready` until it holds; fails with the program's output once it exited or after `timeoutMs`. */
const until = async (program: Launched, ready: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
  const deadline = performance.now() + timeoutMs
  let exited = false
  void program.exited.then(() => {
    exited = true
  })
  for (;;) {
    if (await ready().catch(() => false)) return
    if (exited || performance.now() > deadline)
      throw new Error(`${what}: ${exited ? "exited" : "timed out"}\n${program.output().slice(-3000)}`)
    await sleep(100)
  }
}

/** `pinflow ingest` from `script` until ready: its peak RSS at idle (MB), then stopped. */
const idleEdgePeak = async (script: string, env: Record<string, string>): Promise<number> => {
  const port = await freePort()
  const edge = launch(script, ["ingest", "--port", String(port), "--host", "127.0.0.1"], env)
  try {
    await until(edge, answers(`http://127.0.0.1:${port}/readyz`), `${script} ingest ready`)
    return edge.peakMb()
  } finally {
    edge.child.kill("SIGTERM")
    await edge.exited
  }
}

describeIntegration("the production bundle", ["kafka", "postgres"], (env) => {
  const schema = uniqueName("bundle", "_")
  const topic = uniqueName("bundle")
  let databaseUrl = ""
  const started: Array<Launched> = []

  beforeAll(async () => {
    // the build the README's production commands run; a stale dist/ must not pass for this checkout's code
    execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: "pipe" })
    databaseUrl = await createSchema(env.databaseUrl, schema)
    await createTopics(kafkaOf(env.kafkaBrokers), [topic, `${topic}.rejected`], 1)
  }, 60_000)
  afterAll(async () => {
    for (const program of started) program.child.kill("SIGKILL")
    await dropSchema(env.databaseUrl, schema)
  })

  it.skipIf("skip" in sample)(
    `bundled pinflow ingest and pinflow stream carry ${events} sample events to ${events} rows (99 pins, 1 reject)`,
    async () => {
      const lines = "lines" in sample ? sample.lines.slice(0, events) : []
      const port = await freePort()
      const metricsPort = await freePort()
      const common = { ...env.vars, PINS_TOPIC: topic, KAFKA_PARTITIONS: "1" }
      const ingest = launch(bundle, ["ingest", "--port", String(port), "--host", "127.0.0.1"], common)
      started.push(ingest)
      const stream = launch(bundle, ["stream", "--metrics-port", String(metricsPort)], {
        ...common,
        DATABASE_URL: databaseUrl,
        STREAM_GROUP: uniqueName("bundle")
      })
      started.push(stream)
      await until(ingest, answers(`http://127.0.0.1:${port}/readyz`), "pinflow ingest ready")
      await until(
        stream,
        async () =>
          stream.output().includes("stream worker consuming") &&
          (await answers(`http://127.0.0.1:${metricsPort}/healthz`)()),
        "pinflow stream consuming"
      )

      const response = await fetch(`http://127.0.0.1:${port}/pins`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: lines.join("\n")
      })
      const answer = (await response.json()) as { accepted: number; rejected: number }
      expect({ status: response.status, accepted: answer.accepted, rejected: answer.rejected }).toEqual({
        status: 200,
        accepted: events,
        rejected: 0
      })

      const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
      const rows = async () => {
        const [row] = await sql<Array<{ pins: number; rejects: number }>>`
          select (select count(*)::int from pins) as pins, (select count(*)::int from pin_rejects) as rejects`
        return row ?? { pins: 0, rejects: 0 }
      }
      try {
        await until(
          stream,
          async () => {
            const { pins, rejects } = await rows()
            return pins + rejects >= events
          },
          "the events as rows"
        )
        // one of the first 100 sample lines fails a downstream cleaning rule: a reject row, as design.md says
        expect(await rows()).toEqual({ pins: events - 1, rejects: 1 })
      } finally {
        await sql.end({ timeout: 5 })
      }

      ingest.child.kill("SIGTERM")
      stream.child.kill("SIGTERM")
      expect(await ingest.exited, ingest.output().slice(-3000)).toBe(0)
      expect(await stream.exited, stream.output().slice(-3000)).toBe(0)
    },
    60_000
  )

  it("the bundled edge idles on at most 80% of the memory of the edge run from source", async () => {
    const vars = { ...env.vars, PINS_TOPIC: topic, KAFKA_PARTITIONS: "1", LOG_LEVEL: "Warning" }
    const fromSource = await idleEdgePeak(sources, vars)
    const bundled = await idleEdgePeak(bundle, vars)
    expect(bundled, `bundled ${bundled.toFixed(0)} MB, from source ${fromSource.toFixed(0)} MB`).toBeLessThan(
      0.8 * fromSource
    )
  }, 60_000)
})
