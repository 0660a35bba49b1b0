// up / down / restart / status for any service, used by the CLI (services.ts) and by test/support.
import { join } from "node:path"
import type { ServiceName } from "./config.ts"
import { host, readyTimeoutMs, serviceNames, stateDir, stateRoot, stopTimeoutMs } from "./config.ts"
import { gcsService } from "./gcs.ts"
import { kafkaService } from "./kafka.ts"
import { postgresService } from "./postgres.ts"
import {
  fileSize,
  isOurProcess,
  logExcerpt,
  portOpen,
  readPidFile,
  removeFile,
  stopProcess,
  waitFor,
  withLock,
  writePidFile
} from "./process.ts"
import type { Log, Probe, Service, StopMode } from "./service.ts"

export const services: Readonly<Record<ServiceName, Service>> = {
  kafka: kafkaService,
  postgres: postgresService,
  gcs: gcsService
}

const lockFile = join(stateRoot, "lock")
const pidFile = (name: ServiceName): string => join(stateDir(name), "pid")

/** The pid of the process `up` started for this service, if it is still that process. */
export const managedPid = (name: ServiceName): number | undefined => {
  const pid = readPidFile(pidFile(name))
  return pid !== undefined && isOurProcess(pid, services[name].processMarker) ? pid : undefined
}

export type UpResult =
  | { readonly name: ServiceName; readonly state: "started" | "running"; readonly pid: number; readonly ms: number }
  | { readonly name: ServiceName; readonly state: "external"; readonly ms: number }

const logHint = (s: Service): string => `see ${s.logFiles.join(" and ")}`

/** Where each log file ended before a start, so failures show only what this start wrote. */
const logOffsets = (s: Service): ReadonlyArray<number> => s.logFiles.map(fileSize)

const excerpts = (s: Service, offsets: ReadonlyArray<number>): string =>
  s.logFiles.map((f, i) => `  ${f}:\n${logExcerpt(f, offsets[i] ?? 0)}`).join("\n")

const waitReady = async (s: Service, pid: number, offsets: ReadonlyArray<number>): Promise<Probe> => {
  let last = { ok: false, error: "not probed yet" } as Probe
  try {
    return await waitFor(
      async () => {
        last = await s.probe()
        return last.ok ? last : undefined
      },
      {
        what: s.name,
        timeoutMs: readyTimeoutMs[s.name],
        abort: () =>
          isOurProcess(pid, s.processMarker)
            ? undefined
            : `${s.name} (pid ${pid}) exited while starting; ${logHint(s)}:\n${excerpts(s, offsets)}`
      }
    )
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    if (msg.includes("exited while starting")) throw err
    throw new Error(
      `${msg} (pid ${pid} still running; last answer: ${last.ok ? last.detail : last.error}); ${logHint(s)}:\n` +
        excerpts(s, offsets)
    )
  }
}

const upOne = async (name: ServiceName, log: Log): Promise<UpResult> => {
  const s = services[name]
  const t0 = Date.now()
  const ms = () => Date.now() - t0
  const stale = readPidFile(pidFile(name))
  const pid = managedPid(name)
  if (pid === undefined && stale !== undefined) removeFile(pidFile(name))
  if (pid !== undefined) {
    await waitReady(
      s,
      pid,
      s.logFiles.map(() => 0)
    )
    await s.prepare(log, true)
    return { name, state: "running", pid, ms: ms() }
  }
  const useExternal = async (): Promise<UpResult> => {
    // e.g. a server from docker-compose or the distribution's own: use it, never stop it
    await s.prepare(log, false)
    log(`${name}: using the server already answering on ${host}:${s.port} (not started by services; down leaves it)`)
    return { name, state: "external", ms: ms() }
  }
  const answer = await s.probe()
  if (answer.ok) return useExternal()
  if (await portOpen(s.port, host)) {
    throw new Error(
      `${name}: port ${host}:${s.port} is taken by a process that does not answer as ${name} (${answer.error})`
    )
  }
  await s.install(log)
  // installing a distribution package may have started its own server (Debian's postgresql, without policy-rc.d)
  if ((await portOpen(s.port, host)) && (await s.probe()).ok) return useExternal()
  const offsets = logOffsets(s)
  const started = await s.start(log)
  writePidFile(pidFile(name), started)
  await waitReady(s, started, offsets)
  await s.prepare(log, true)
  return { name, state: "started", pid: started, ms: ms() }
}

export type UpOutcome =
  | { readonly ok: true; readonly result: UpResult }
  | { readonly ok: false; readonly name: ServiceName; readonly error: string }

/** Brings services up (all when names is empty) side by side, each to its own outcome. */
export const upEach = async (names: ReadonlyArray<ServiceName>, log: Log): Promise<ReadonlyArray<UpOutcome>> =>
  withLock(lockFile, async () => {
    const wanted = names.length === 0 ? serviceNames : names
    // installs and starts run side by side: the first `up` is bounded by the slowest (go install)
    const settled = await Promise.allSettled(wanted.map((n) => upOne(n, log)))
    return settled.map((r, i): UpOutcome => {
      if (r.status === "fulfilled") return { ok: true, result: r.value }
      return {
        ok: false,
        name: wanted[i] as ServiceName,
        error: r.reason instanceof Error ? r.reason.message : String(r.reason)
      }
    })
  })

/** Brings services up (all when names is empty); waits until each answers. Throws listing every failure. */
export const up = async (names: ReadonlyArray<ServiceName>, log: Log): Promise<ReadonlyArray<UpResult>> => {
  const outcomes = await upEach(names, log)
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]))
  if (failures.length > 0) throw new Error(failures.join("\n\n"))
  return outcomes.flatMap((o) => (o.ok ? [o.result] : []))
}

export type DownResult = {
  readonly name: ServiceName
  readonly state: "stopped" | "killed" | "not-running" | "external"
  readonly pid?: number
}

const downOne = async (name: ServiceName, mode: StopMode): Promise<DownResult> => {
  const s = services[name]
  const pid = managedPid(name)
  if (pid === undefined) {
    removeFile(pidFile(name))
    return { name, state: (await s.probe()).ok ? "external" : "not-running" }
  }
  const how = await stopProcess(pid, s.signals[mode], mode === "kill" ? 5_000 : stopTimeoutMs[name])
  removeFile(pidFile(name))
  return { name, state: mode === "kill" ? "killed" : how, pid }
}

/**
 * Stops what `up` started (all when names is empty), by pid file only. mode "kill" is a crash-like stop
 * (SIGKILL; for PostgreSQL an immediate shutdown, SIGQUIT) for failure tests.
 */
export const down = async (
  names: ReadonlyArray<ServiceName>,
  mode: StopMode = "graceful"
): Promise<ReadonlyArray<DownResult>> =>
  withLock(lockFile, async () => Promise.all((names.length === 0 ? serviceNames : names).map((n) => downOne(n, mode))))

export const restart = async (names: ReadonlyArray<ServiceName>, log: Log): Promise<ReadonlyArray<UpResult>> =>
  withLock(lockFile, async () => {
    await down(names)
    return up(names, log)
  })

export interface StatusResult {
  readonly name: ServiceName
  readonly pid: number | undefined
  readonly port: number
  readonly probe: Probe
  readonly logFiles: ReadonlyArray<string>
}

export const status = async (names: ReadonlyArray<ServiceName>): Promise<ReadonlyArray<StatusResult>> =>
  Promise.all(
    (names.length === 0 ? serviceNames : names).map(async (name) => ({
      name,
      pid: managedPid(name),
      port: services[name].port,
      probe: await services[name].probe(),
      logFiles: services[name].logFiles
    }))
  )
