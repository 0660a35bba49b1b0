/**
 * `npm run bench -- soak [--quick]`: `pinflow start` with the embedded defaults (in-process durable log,
 * PGlite, a local folder as the bucket) in a temporary directory, its own process, posted to at 500
 * events/s (`BENCH_SOAK_RATE`) on `/pin/` — each event a fresh generated pin — for 10 minutes (1 with
 * --quick). Every 30 s (10 s with --quick) it prints the process's VmRSS and VmHWM, the embedded log's
 * size on disk (`<home>/log`) and the answers so far; then the least-squares slope of RSS after the
 * warm-up (the first 2 minutes; 20 s with --quick), MB/min, and of the log's size. Issue 11's target: no
 * growth. The log is kept until every group reading it has committed past a record — the stream
 * worker's, and for the pins topic the archive's, which commits when the daily batch runs — so within a
 * soak the log follows the archive's lag.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makePinGenerator } from "@pinflow/emulator"
import type { BenchOptions } from "./bench.ts"
import { answers, spawnPinflow, waitUntil } from "./process.ts"

interface Instance {
  readonly on: (event: "response", listener: (client: unknown, statusCode: number) => void) => void
  readonly stop: () => void
}
type Autocannon = (
  options: {
    readonly url: string
    readonly connections: number
    readonly duration: number
    readonly overallRate: number
    readonly requests: ReadonlyArray<{
      readonly method: string
      readonly path: string
      readonly headers: Record<string, string>
      readonly setupRequest: (req: Record<string, unknown>) => Record<string, unknown>
    }>
  },
  done: (error: unknown, result: { readonly "2xx": number; readonly non2xx: number; readonly errors: number }) => void
) => Instance
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon

/** Bytes of every file under `dir` (0 if it does not exist yet). */
export const diskBytes = (dir: string): number => {
  let sum = 0
  let entries: Array<string>
  try {
    entries = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of entries) {
    const path = join(dir, name)
    try {
      const s = statSync(path)
      sum += s.isDirectory() ? diskBytes(path) : s.size
    } catch {
      // removed meanwhile (a trimmed segment)
    }
  }
  return sum
}

/** Least-squares slope of y over x. */
export const slope = (points: ReadonlyArray<readonly [number, number]>): number => {
  const n = points.length
  if (n < 2) return Number.NaN
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx === 0 ? Number.NaN : sxy / sxx
}

interface Sample {
  readonly minutes: number
  readonly rssMb: number
  readonly peakMb: number
  readonly logMb: number
  readonly ok: number
  readonly failed: number
}

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 500)
  const seconds = quick ? 60 : 600
  const every = quick ? 10 : 30
  const warmUpMinutes = quick ? 1 / 3 : 2
  const home = mkdtempSync(join(tmpdir(), "pinflow-soak-"))
  const port = 18_380
  const program = spawnPinflow(["start", "--port", String(port), "--host", "127.0.0.1"], {
    cwd: home,
    // unset: `pinflow start` then chooses its embedded defaults
    env: {
      KAFKA_BROKERS: "",
      DATABASE_URL: "",
      GCS_BUCKET: "",
      GCS_ENDPOINT: "",
      PINFLOW_DB_PORT: "18381",
      LOG_LEVEL: "Warn"
    }
  })
  const samples: Array<Sample> = []
  let ok = 0
  let failed = 0
  try {
    await waitUntil("pinflow start ready", answers(`http://127.0.0.1:${port}/readyz`), {
      program,
      timeoutMs: 120_000
    })
    process.stdout.write(
      `soak: pinflow start (embedded, ${home}), ${rate} events/s on /pin/ for ${seconds / 60} min${quick ? " (quick)" : ""}; a sample every ${every} s\n` +
        `${["min", "RSS MB", "peak MB", "log MB", "200s", "failed"].map((h) => h.padStart(8)).join("  ")}\n`
    )
    const generate = makePinGenerator({ seed: 7 })
    const started = performance.now()
    const sample = () => {
      const memory = program.memory()
      const s: Sample = {
        minutes: (performance.now() - started) / 60_000,
        rssMb: memory.rssMb,
        peakMb: memory.peakMb,
        logMb: diskBytes(join(home, ".pinflow", "log")) / 2 ** 20,
        ok,
        failed
      }
      samples.push(s)
      process.stdout.write(
        `${[s.minutes.toFixed(1), s.rssMb.toFixed(0), s.peakMb.toFixed(0), s.logMb.toFixed(1), String(s.ok), String(s.failed)].map((v) => v.padStart(8)).join("  ")}\n`
      )
    }
    sample()
    const timer = setInterval(sample, every * 1000)
    await new Promise<void>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${port}`,
          // autocannon splits the rate over the connections and each waits for its answer: enough of them
          // that 500/s holds even when answers take 250 ms
          connections: 128,
          duration: seconds,
          overallRate: rate,
          requests: [
            {
              method: "POST",
              path: "/pin/",
              headers: { "content-type": "application/json" },
              setupRequest: (req) => ({ ...req, body: JSON.stringify(generate()) })
            }
          ]
        },
        (error, result) => {
          if (error) return reject(error)
          failed = result.non2xx + result.errors
          resolve()
        }
      )
      instance.on("response", (_client, status) => {
        if (status === 200) ok += 1
        else failed += 1
      })
    })
    clearInterval(timer)
    sample()
  } finally {
    const code = await program.stop()
    if (code !== 0) process.stdout.write(`  !! pinflow start exited ${code} on SIGTERM\n`)
    rmSync(home, { recursive: true, force: true })
  }
  const after = samples.filter((s) => s.minutes >= warmUpMinutes)
  const rssSlope = slope(after.map((s) => [s.minutes, s.rssMb]))
  const logSlope = slope(after.map((s) => [s.minutes, s.logMb]))
  const last = samples.at(-1)
  // "flat": less than 1 MB/min, i.e. under 10 MB over the 10 minutes — noise of GC and page cache, not a leak
  process.stdout.write(
    `soak: RSS slope after ${warmUpMinutes < 1 ? `${warmUpMinutes * 60} s` : `${warmUpMinutes} min`} warm-up ${rssSlope.toFixed(2)} MB/min over ${after.length} samples [target no growth (< 1 MB/min): ${Math.abs(rssSlope) < 1 ? "met" : "MISSED"}]; ` +
      `peak RSS ${last?.peakMb.toFixed(0) ?? "-"} MB; embedded log ${last?.logMb.toFixed(1) ?? "-"} MB on disk at the end, slope ${logSlope.toFixed(2)} MB/min; ` +
      `${ok} answered 200 (${(ok / seconds).toFixed(0)}/s achieved of ${rate}/s offered), ${failed} failed${quick ? " (quick: not for publishing)" : ""}\n`
  )
}
