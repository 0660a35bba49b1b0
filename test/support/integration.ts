// Integration tests (*.integration.test.ts) get their services here:
//
//   import { describeIntegration } from "../../../test/support/integration.ts"   // from packages/<p>/test/
//   describeIntegration("stream worker against Kafka and Postgres", ["kafka", "postgres"], (env) => {
//     it("writes pins", async () => { /* env.kafkaBrokers, env.databaseUrl, env.gcsEndpoint, env.gcsBucket */ })
//   })
//
// When a needed service cannot be had, the suite is reported as skipped with the reason, except under
// CI (any truthy CI, see ./ci.ts), where it fails with the reason. See test/support/services.ts to stop/start services mid-test.
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, inject, it } from "vitest"
import type { ServiceName, ServicesEnv } from "../../services/config.ts"
import { managedPid } from "../../services/manager.ts"
import { quietKafkaJsTimeoutWarning } from "../../services/warnings.ts"
import { isCI } from "./ci.ts"
import type { Release } from "./locks.ts"
import { acquireExclusive, acquireShared } from "./locks.ts"
import type { ProvidedServices } from "./resolve.ts"

export type { ServiceName, ServicesEnv }

export interface IntegrationEnv {
  /** KAFKA_BROKERS split on commas, e.g. ["127.0.0.1:9092"]. */
  readonly kafkaBrokers: ReadonlyArray<string>
  /** e.g. postgres://pinflow:pinflow@127.0.0.1:5432/pinflow */
  readonly databaseUrl: string
  /** The emulator's base URL, e.g. http://127.0.0.1:4443: pass as `apiEndpoint` (never STORAGE_EMULATOR_HOST). */
  readonly gcsEndpoint: string
  /** e.g. pinflow-test */
  readonly gcsBucket: string
  /** The same as environment variables, for a program's configuration or a child process's env. */
  readonly vars: ServicesEnv
}

export interface IntegrationNeeds {
  /** Services the tests talk to. */
  readonly needs: ReadonlyArray<ServiceName>
  /** Services the tests stop/start (test/support/services.ts): they must have been started by `npm run services`. */
  readonly controls?: ReadonlyArray<ServiceName>
}

export { isCI } from "./ci.ts"

let resolved: ProvidedServices | undefined

/** globalSetup's answer; when it deferred (no integration file in the run at start), resolved here once. */
const provided = (): ProvidedServices => {
  if (resolved !== undefined) return resolved
  const p = inject("pinflowServices")
  if (p === undefined) throw new Error("test/support/globalSetup.ts did not run (vitest.config.ts globalSetup)")
  if (!p.deferred) {
    resolved = p
    return p
  }
  // rare: watch mode after the filter changed. Same code as globalSetup, in a child process (synchronous,
  // since suites are declared synchronously); concurrent workers serialise on the services' lock file.
  const resolveModule = fileURLToPath(new URL("./resolve.ts", import.meta.url))
  const script = `import(${JSON.stringify(resolveModule)}).then(m => m.resolveServices(process.env, l => console.error(l)))
    .then(r => process.stdout.write(JSON.stringify(r)))`
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 10 * 60_000
  })
  resolved = JSON.parse(out) as ProvidedServices
  return resolved
}

const toEnv = (vars: ServicesEnv): IntegrationEnv => ({
  kafkaBrokers: vars.KAFKA_BROKERS.split(",").map((b) => b.trim()),
  databaseUrl: vars.DATABASE_URL,
  gcsEndpoint: vars.GCS_ENDPOINT,
  gcsBucket: vars.GCS_BUCKET,
  vars
})

/** The endpoints (whether or not they answer; see servicesAvailable). */
export const integrationEnv = (): IntegrationEnv => toEnv(provided().env)

const normalise = (needs: ReadonlyArray<ServiceName> | IntegrationNeeds): IntegrationNeeds =>
  Array.isArray(needs) ? { needs: needs as ReadonlyArray<ServiceName> } : (needs as IntegrationNeeds)

/** Whether every needed service answers (and every controlled one is ours to stop), else why not. */
export const servicesAvailable = (
  needs: ReadonlyArray<ServiceName> | IntegrationNeeds
): { readonly ok: true } | { readonly ok: false; readonly reason: string } => {
  const n = normalise(needs)
  const p = provided()
  const reasons: string[] = []
  for (const name of new Set([...n.needs, ...(n.controls ?? [])])) {
    const a = p.available[name]
    if (!a.ok) reasons.push(`${name}: ${a.reason.split("\n")[0]}`)
  }
  for (const name of n.controls ?? []) {
    if (p.available[name].ok && managedPid(name) === undefined) {
      reasons.push(`${name} must be started by \`npm run services\` to be stopped and restarted by tests`)
    }
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reason: reasons.join("; ") }
}

/** How long a suite waits for another file that stopped a service it needs (or uses one it controls). */
const lockWaitMs = 10 * 60_000

/**
 * A describe block that runs when its services answer. Otherwise it is skipped, its title carrying the
 * reason, and under CI (any truthy value) one extra test fails with the reason (a CI run must not silently skip).
 */
export const describeIntegration = (
  name: string,
  needs: ReadonlyArray<ServiceName> | IntegrationNeeds,
  fn: (env: IntegrationEnv) => void
): void => {
  quietKafkaJsTimeoutWarning()
  const check = servicesAvailable(needs)
  const env = integrationEnv()
  if (check.ok) {
    const n = normalise(needs)
    const controls = n.controls ?? []
    // always taken in the same (alphabetical) order, whatever the kind, so suites cannot deadlock
    const all = [...new Set([...n.needs, ...controls])].sort()
    describe(name, () => {
      // registered before fn's hooks: taken before them, given back after them
      const releases: Release[] = []
      beforeAll(async () => {
        for (const s of all) {
          releases.push(
            controls.includes(s) ? await acquireExclusive(s, lockWaitMs) : await acquireShared(s, lockWaitMs)
          )
        }
      }, lockWaitMs + 5_000)
      afterAll(() => {
        for (const release of releases.splice(0).reverse()) release()
      })
      fn(env)
    })
    return
  }
  if (isCI()) {
    describe(name, () => {
      it("has its services (under CI, unavailable services fail)", () => {
        throw new Error(`services unavailable: ${check.reason}`)
      })
      describe.skip("(not run)", () => fn(env))
    })
    return
  }
  describe.skip(`${name} [skipped: ${check.reason}]`, () => fn(env))
}

/**
 * A name unique to this run and worker, for topics, consumer groups, object prefixes ("-" by default), or
 * SQL identifiers such as schemas and databases (pass "_").
 */
export const uniqueName = (prefix: string, separator: "-" | "_" = "-"): string =>
  [prefix, Date.now().toString(36), process.pid.toString(36), randomBytes(3).toString("hex")].join(separator)
