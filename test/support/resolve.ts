// Decides, once per test run, which services integration tests get and where they are.
// Used by globalSetup (main process) and, when globalSetup deferred it, lazily by the first integration file.
import type { ServiceName, ServicesEnv } from "../../services/config.ts"
import { defaultEnv, serviceNames } from "../../services/config.ts"
import { probeGcs } from "../../services/gcs.ts"
import { probeKafka } from "../../services/kafka.ts"
import { upEach } from "../../services/manager.ts"
import { probePostgres } from "../../services/postgres.ts"
import type { Probe } from "../../services/service.ts"
import { quietKafkaJsTimeoutWarning } from "../../services/warnings.ts"

export type Availability =
  | { readonly ok: true; readonly source: "env" | "services" }
  | { readonly ok: false; readonly reason: string }

/** What globalSetup provides to the test workers (vitest `provide`/`inject`, key "pinflowServices"). */
export interface ProvidedServices {
  readonly env: ServicesEnv
  readonly available: Readonly<Record<ServiceName, Availability>>
  /** True when globalSetup saw no integration test in the run and started nothing (resolved on first use). */
  readonly deferred: boolean
}

const variable: Record<ServiceName, keyof ServicesEnv> = {
  kafka: "KAFKA_BROKERS",
  postgres: "DATABASE_URL",
  gcs: "GCS_ENDPOINT"
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === "" ? undefined : v.trim()

/** The endpoints: given variables win, the rest are the services' defaults. */
export const endpointsFrom = (vars: NodeJS.ProcessEnv): ServicesEnv => ({
  KAFKA_BROKERS: nonEmpty(vars.KAFKA_BROKERS) ?? defaultEnv.KAFKA_BROKERS,
  DATABASE_URL: nonEmpty(vars.DATABASE_URL) ?? defaultEnv.DATABASE_URL,
  GCS_ENDPOINT: nonEmpty(vars.GCS_ENDPOINT) ?? defaultEnv.GCS_ENDPOINT,
  GCS_BUCKET: nonEmpty(vars.GCS_BUCKET) ?? defaultEnv.GCS_BUCKET
})

const probeGiven = (name: ServiceName, env: ServicesEnv): Promise<Probe> => {
  switch (name) {
    case "kafka":
      return probeKafka(env.KAFKA_BROKERS.split(",").map((b) => b.trim()))
    case "postgres":
      return probePostgres(env.DATABASE_URL)
    case "gcs":
      return probeGcs(env.GCS_ENDPOINT, env.GCS_BUCKET)
  }
}

const unavailable = (reason: string): ReadonlyArray<[ServiceName, Availability]> =>
  serviceNames.map((n) => [n, { ok: false, reason }])

/**
 * For each service: when its variable (KAFKA_BROKERS, DATABASE_URL, GCS_ENDPOINT) is set, checks that it
 * answers; otherwise runs the services' `up` for it (idempotent; seconds when already up).
 * PINFLOW_SERVICES=off starts nothing (integration tests then skip, or fail under CI, see ci.ts).
 */
export const resolveServices = async (
  vars: NodeJS.ProcessEnv,
  log: (line: string) => void
): Promise<ProvidedServices> => {
  quietKafkaJsTimeoutWarning()
  const env = endpointsFrom(vars)
  if (vars.PINFLOW_SERVICES === "off") {
    return {
      env,
      deferred: false,
      available: Object.fromEntries(unavailable("PINFLOW_SERVICES=off")) as ProvidedServices["available"]
    }
  }
  const given = serviceNames.filter((n) => nonEmpty(vars[variable[n]]) !== undefined)
  const toStart = serviceNames.filter((n) => !given.includes(n))
  const fromEnv = Promise.all(
    given.map(async (n): Promise<[ServiceName, Availability]> => {
      const p = await probeGiven(n, env)
      return [
        n,
        p.ok
          ? { ok: true, source: "env" }
          : { ok: false, reason: `${variable[n]}=${env[variable[n]]} does not answer: ${p.error}` }
      ]
    })
  )
  const started = (async (): Promise<ReadonlyArray<[ServiceName, Availability]>> => {
    if (toStart.length === 0) return []
    try {
      const outcomes = await upEach(toStart, log)
      return outcomes.map((o): [ServiceName, Availability] =>
        o.ok
          ? [o.result.name, { ok: true, source: "services" }]
          : [o.name, { ok: false, reason: `npm run services -- up ${o.name} failed: ${o.error}` }]
      )
    } catch (err) {
      const reason = `npm run services -- up failed: ${err instanceof Error ? err.message : String(err)}`
      return toStart.map((n): [ServiceName, Availability] => [n, { ok: false, reason }])
    }
  })()
  const entries = [...(await fromEnv), ...(await started)]
  return { env, deferred: false, available: Object.fromEntries(entries) as ProvidedServices["available"] }
}

/** One line per run, e.g. "services: kafka ok (services), postgres ok (env), gcs unavailable: …". */
export const summary = (p: ProvidedServices): string =>
  `pinflow services: ${serviceNames
    .map((n) => {
      const a = p.available[n]
      return a.ok
        ? `${n} ok (${a.source === "env" ? variable[n] : "npm run services"})`
        : `${n} UNAVAILABLE: ${a.reason}`
    })
    .join("; ")}`
