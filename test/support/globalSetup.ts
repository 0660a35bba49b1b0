// vitest globalSetup (main process, once per run): makes sure the development services are there for
// integration tests (*.integration.test.ts), or records why not, and hands the result to the workers
// through `provide` (read with test/support/integration.ts).
//
// - KAFKA_BROKERS / DATABASE_URL / GCS_ENDPOINT set: those are used (checked to answer), nothing started.
// - otherwise `npm run services -- up` for the missing ones (idempotent; ~0.3 s when already up).
// - no integration test file in the run (e.g. `npx vitest run packages/domain`): nothing is started.
// - PINFLOW_SERVICES=off: nothing is started; integration tests skip (fail under CI, see ci.ts).
// - PINFLOW_SERVICES=lazy: nothing here; the first integration file resolves them (as in watch mode after the
//   file filter changed).
// Services are left running afterwards; `npm run services -- down` stops them.
import type { TestProject } from "vitest/node"
import type { ProvidedServices } from "./resolve.ts"
import { endpointsFrom, resolveServices, summary } from "./resolve.ts"

declare module "vitest" {
  export interface ProvidedContext {
    pinflowServices: ProvidedServices
  }
}

/** Whether the run's test files include an integration test (vitest has no public API for the run's files). */
const runHasIntegrationTests = async (project: TestProject): Promise<boolean> => {
  try {
    // the CLI's file filters (`vitest run packages/domain`): an internal field, read defensively
    const pattern: unknown = Reflect.get(project.vitest, "filenamePattern")
    const filters = Array.isArray(pattern) ? pattern.filter((p): p is string => typeof p === "string") : undefined
    const { testFiles } = await project.globTestFiles(filters)
    return testFiles.some((f) => f.endsWith(".integration.test.ts"))
  } catch {
    return true
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now()
  if (process.env.PINFLOW_SERVICES === "lazy" || !(await runHasIntegrationTests(project))) {
    const notYet = { ok: false, reason: "not resolved yet" } as const
    project.provide("pinflowServices", {
      env: endpointsFrom(process.env),
      deferred: true,
      available: { kafka: notYet, postgres: notYet, gcs: notYet }
    })
    return
  }
  const provided = await resolveServices(process.env, (line) => console.log(line))
  project.provide("pinflowServices", provided)
  console.log(`${summary(provided)} [${Date.now() - t0} ms]`)
}
