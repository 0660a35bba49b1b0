// fake-gcs-server (GCS JSON API emulator) built with `go install`, over plain HTTP on 127.0.0.1:4443.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { cacheRoot, gcs as conf, defaultEnv, stateDir } from "./config.ts"
import { fileExists, runLogged, spawnDetached, which } from "./process.ts"
import type { Log, Probe, Service } from "./service.ts"

const dir = stateDir("gcs")
const dataDir = join(dir, "data")
const logFile = join(dir, "gcs.log")
const installLog = join(dir, "install.log")
const binDir = join(cacheRoot, "fake-gcs-server", conf.version)
const binary = join(binDir, "fake-gcs-server")

const install = async (log: Log): Promise<void> => {
  if (fileExists(binary)) return
  const go = which("go")
  if (go === undefined) throw new Error("gcs: fake-gcs-server is built with Go (>= 1.26), and `go` is not on PATH")
  log(`gcs: building fake-gcs-server ${conf.version} with go install into ${binDir} (first time only, about a minute)`)
  mkdirSync(binDir, { recursive: true })
  await runLogged(go, ["install", `${conf.module}@${conf.version}`], {
    cwd: binDir,
    logFile: installLog,
    // GOTOOLCHAIN=local: use the machine's Go, never download another toolchain
    env: { ...process.env, GOBIN: binDir, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false" }
  })
  if (!fileExists(binary)) throw new Error(`gcs: go install did not produce ${binary}; see ${installLog}`)
}

const start = async (): Promise<number> => {
  mkdirSync(dataDir, { recursive: true })
  return spawnDetached({
    command: binary,
    args: [
      "-scheme",
      "http",
      "-host",
      "127.0.0.1",
      "-port",
      String(conf.port),
      "-backend",
      "filesystem",
      "-filesystem-root",
      dataDir,
      "-external-url",
      defaultEnv.GCS_ENDPOINT,
      "-log-level",
      "warn"
    ],
    cwd: dir,
    logFile
  })
}

const fetchStatus = async (url: string, init: RequestInit = {}): Promise<number> => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) })
  await res.arrayBuffer()
  return res.status
}

/** A real answer: the emulator's health check, then the bucket's metadata. */
export const probeGcs = async (
  endpoint: string = defaultEnv.GCS_ENDPOINT,
  bucket: string = conf.bucket
): Promise<Probe> => {
  try {
    const health = await fetchStatus(`${endpoint}/_internal/healthcheck`)
    if (health !== 200) return { ok: false, error: `GET /_internal/healthcheck answered ${health}` }
    const b = await fetchStatus(`${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}`)
    return b === 200
      ? { ok: true, detail: `bucket ${bucket} present` }
      : { ok: true, detail: `answers, bucket ${bucket} missing (GET answered ${b})` }
  } catch (err) {
    // fetch hides the reason (ECONNREFUSED, …) in err.cause, or in err.cause.errors
    const cause = (err as { cause?: { code?: string; message?: string; errors?: ReadonlyArray<{ code?: string }> } })
      .cause
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message
    return { ok: false, error: reason ?? (err instanceof Error ? err.message : String(err)) }
  }
}

/** Creates the bucket; 409 means it exists already. */
const prepare = async (log: Log): Promise<void> => {
  const status = await fetchStatus(`${defaultEnv.GCS_ENDPOINT}/storage/v1/b?project=${conf.projectId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: conf.bucket })
  })
  if (status === 200) log(`gcs: created bucket ${conf.bucket}`)
  else if (status !== 409) throw new Error(`gcs: creating bucket ${conf.bucket} answered ${status}`)
  const check = await probeGcs()
  if (!check.ok || !check.detail.startsWith("bucket"))
    throw new Error(`gcs: bucket ${conf.bucket} not there after creating it`)
}

export const gcsService: Service = {
  name: "gcs",
  port: conf.port,
  processMarker: "fake-gcs-server",
  logFiles: [logFile],
  install,
  start,
  probe: () => probeGcs(),
  prepare,
  signals: { graceful: "SIGTERM", kill: "SIGKILL" }
}
