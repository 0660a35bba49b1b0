/**
 * The components of `pinflow start` over any `StartServices`, each supervised (`StartHealth`): the edge
 * behind the readiness gate, the stream worker, the batch schedule, the status line and, with `--demo`,
 * the emulator.
 */
import { ObjectStore } from "@pinflow/adapters"
import { BatchSettings, schedule } from "@pinflow/batch"
import { DashboardRoutesInProcess } from "@pinflow/dashboard"
import { IngestRoutes } from "@pinflow/ingest/IngestHttp"
import { IngestSettings } from "@pinflow/ingest/IngestSettings"
import { streamWorker } from "@pinflow/stream"
import { Effect, Layer, Schedule } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { type BackendChoice, describeBackends } from "./Backends.ts"
import { demo } from "./DemoTraffic.ts"
import { makeEdgeServer } from "./EdgeServer.ts"
import { ReadinessGate } from "./ReadinessGate.ts"
import { StartHealth, supervised } from "./StartHealth.ts"
import { statusLine } from "./StatusLine.ts"

export interface StartOptions {
  /** Also post generated events to the edge. */
  readonly demo: boolean
  /** Events per second the demo posts. */
  readonly demoRate: number
}

/** Where the edge listens and what each system runs on, once the server is up. */
const Announce = (choice: BackendChoice) =>
  Layer.effectDiscard(
    HttpServer.addressFormattedWith((address) =>
      Effect.logInfo(
        [
          `pinflow start: edge on ${address} (POST /pin/ and /pins, /geo/ and /geos, /user/ and /users; /dashboard, /docs, /openapi.json, /metrics, /healthz)`,
          ...describeBackends(choice).map((line) => `  ${line}`)
        ].join("\n")
      )
    )
  )

/** Where the batch reads and writes, then its schedule (never ends). */
const batchSchedule = Effect.gen(function* () {
  const store = yield* ObjectStore
  const settings = yield* BatchSettings
  yield* Effect.logInfo(`batch: topic ${settings.topic} (group ${settings.group}) -> archive ${store.location}`)
  return yield* schedule
})

/** The edge: the ingest routes and the dashboard (over this process's database and metrics) on one server. */
const EdgeRoutes = HttpRouter.serve(Layer.mergeAll(IngestRoutes, DashboardRoutesInProcess), {
  disableLogger: true
}).pipe(Layer.provide(IngestSettings.layer))

/** The components, each supervised; also outputs the `StartHealth` they report to. */
export const StartComponents = (choice: BackendChoice, options: StartOptions) => {
  const edge = makeEdgeServer()
  return Layer.mergeAll(
    Layer.mergeAll(
      Announce(choice),
      supervised("edge", Effect.andThen(HttpServer.HttpServer, edge.watch)),
      options.demo ? supervised("demo", demo(options.demoRate)) : Layer.empty
    ).pipe(Layer.provideMerge(EdgeRoutes), Layer.provide(ReadinessGate), Layer.provide(edge.layer)),
    supervised("stream worker", streamWorker),
    supervised("batch schedule", batchSchedule),
    supervised("status line", statusLine(Schedule.spaced("5 seconds")))
  ).pipe(Layer.provideMerge(StartHealth.layer))
}
