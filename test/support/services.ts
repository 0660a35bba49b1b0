// Stop and start single services from a test (broker stopped mid-load, Postgres restarted mid-stream,
// GCS emulator stopped mid-run). The same code as `npm run services -- down|up <name>`.
//
// Only services that `npm run services` started can be stopped: declare them with
// describeIntegration(name, { needs: [...], controls: ["kafka"] }, …), which skips (or fails under CI)
// otherwise. Stopping a service affects every test file running at that moment: keep such tests in files
// of their own and always restart in a finally (withServiceStopped does).
import type { ServiceName, ServicesEnv } from "../../services/config.ts"
import { defaultEnv } from "../../services/config.ts"
import type { StatusResult } from "../../services/manager.ts"
import { down, managedPid, status, upEach } from "../../services/manager.ts"
import type { StopMode } from "../../services/service.ts"

export type { ServiceName, ServicesEnv, StatusResult, StopMode }

const quietLog = (_line: string): void => {}

const requireManaged = (name: ServiceName, action: string): void => {
  if (managedPid(name) === undefined) {
    throw new Error(
      `cannot ${action} ${name}: it was not started by \`npm run services\` (no live .services/${name}/pid)`
    )
  }
}

/**
 * Stops a service started by `npm run services`. mode "graceful" (default): SIGTERM (Kafka, fake-gcs-server)
 * or a fast shutdown (PostgreSQL, SIGINT). mode "kill": SIGKILL, or an immediate shutdown for PostgreSQL
 * (SIGQUIT, crash recovery on the next start). Resolves once the process is gone.
 */
export const stopService = async (name: ServiceName, options: { readonly mode?: StopMode } = {}): Promise<void> => {
  requireManaged(name, "stop")
  await down([name], options.mode ?? "graceful")
}

/** Starts a service (no-op when running) and resolves once it answers. Kafka: ~3 s, ~7 s after a kill. */
export const startService = async (name: ServiceName): Promise<void> => {
  const [outcome] = await upEach([name], quietLog)
  if (outcome !== undefined && !outcome.ok) throw new Error(outcome.error)
}

export const restartService = async (name: ServiceName, options: { readonly mode?: StopMode } = {}): Promise<void> => {
  await stopService(name, options)
  await startService(name)
}

/** Runs fn while the service is stopped, and starts it again afterwards whatever fn did. */
export const withServiceStopped = async <A>(
  name: ServiceName,
  fn: () => Promise<A>,
  options: { readonly mode?: StopMode } = {}
): Promise<A> => {
  await stopService(name, options)
  try {
    return await fn()
  } finally {
    await startService(name)
  }
}

/** pid (when started by `npm run services`), port, and whether it answers right now. */
export const serviceStatus = async (name: ServiceName): Promise<StatusResult> => {
  const [s] = await status([name])
  if (s === undefined) throw new Error(`no status for ${name}`)
  return s
}

/** Whether tests can stop/start this service (it was started by `npm run services`). */
export const isManaged = (name: ServiceName): boolean => managedPid(name) !== undefined

/** The endpoints `npm run services -- env` prints (the services' own, not any overriding variables). */
export const servicesEnv = (): ServicesEnv => defaultEnv
