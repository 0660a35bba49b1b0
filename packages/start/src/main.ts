/**
 * `pinflow start` (= `npm start`): the edge, the stream worker and the daily batch schedule in one
 * process, each on the backend `Backends` chose, plus a status line every few seconds. `--demo` also
 * runs the emulator against the edge so that data flows at once. SIGTERM/SIGINT: the edge stops
 * accepting, the worker writes and commits what is in flight, the embedded database closes, exit 0.
 * When a component fails (`StartHealth`), the edge turns unready and refuses posts at once, and after
 * `START_FAILURE_GRACE` (2 seconds) the program stops the same way and exits 1.
 */
import {
  AnalyticsStore,
  type Database,
  LogLevelLayer,
  Migrations,
  ObjectStore,
  type PinLog,
  type PinSource,
  PinStore,
  runProgram
} from "@pinflow/adapters"
import { BatchSettings, schedule } from "@pinflow/batch"
import { DashboardRoutesInProcess } from "@pinflow/dashboard"
import { runEmulator } from "@pinflow/emulator"
import { IngestRoutes } from "@pinflow/ingest/IngestHttp"
import { IngestSettings } from "@pinflow/ingest/IngestSettings"
import { StreamSettings, streamWorker } from "@pinflow/stream"
import { Cause, Config, Console, Context, Duration, Effect, Layer, Option, Schedule } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { BackendChoice, databaseLayer, describeBackends, logLayer, objectStoreLayer } from "./Backends.ts"
import { makeEdgeServer } from "./EdgeServer.ts"
import { ReadinessGate } from "./ReadinessGate.ts"
import { ComponentFailed, reasonOf, StartHealth, supervised } from "./StartHealth.ts"
import { statusLine } from "./StatusLine.ts"

export interface StartOptions {
  /** Also post generated events to the edge. */
  readonly demo: boolean
  /** Events per second the demo posts. */
  readonly demoRate: number
}

/** Every port the programs need. */
export type StartServices =
  | Database
  | PinLog
  | PinSource
  | PinStore
  | AnalyticsStore
  | ObjectStore
  | StreamSettings
  | BatchSettings

/** Every port the programs need, on the chosen backends; migrations run before anything writes. */
export const StartServices = (choice: BackendChoice): Layer.Layer<StartServices, unknown> =>
  Layer.mergeAll(
    logLayer(choice),
    Layer.mergeAll(PinStore.layer, AnalyticsStore.layer).pipe(
      Layer.provideMerge(Migrations.layer),
      Layer.provideMerge(databaseLayer(choice))
    ),
    objectStoreLayer(choice),
    StreamSettings.layer,
    BatchSettings.layer
  )

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

/** A console that drops the emulator's own progress lines: the status line reports the flow instead. */
const quietConsole: Console.Console = { ...globalThis.console, log: () => undefined, error: () => undefined }

/** The emulator posting generated events (some invalid, some repeated ids) to this edge. */
const demo = (rate: number) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 8000 : server.address.port
    const apiKey = yield* Config.option(Config.String("INGEST_API_KEY"))
    yield* Effect.logInfo(
      `demo: posting ${rate} generated rows/s (a pin, a geo and a user event each) to http://127.0.0.1:${port}`
    )
    return yield* runEmulator({
      url: `http://127.0.0.1:${port}`,
      rate: Option.some(rate),
      concurrency: 8,
      count: Option.none(),
      duration: Option.none(),
      files: [],
      invalidRate: 0.02,
      apiKey,
      seed: Option.none()
    }).pipe(Effect.provideService(Console.Console, quietConsole))
  })

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

/**
 * The components over any `StartServices`, each supervised: the edge (behind the readiness gate), the
 * stream worker, the batch schedule, the status line and, with `--demo`, the emulator. Also outputs the
 * `StartHealth` they report to.
 */
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

/** The three programs and the status line on the chosen backends (or on `services`, e.g. in tests). */
export const StartMain = (
  choice: BackendChoice,
  options: StartOptions,
  services: Layer.Layer<StartServices, unknown> = StartServices(choice)
) => StartComponents(choice, options).pipe(Layer.provide(services), Layer.provide(LogLevelLayer))

/** How long the edge answers 503 after a component failed, before the program stops. */
export const FailureGrace = Config.Duration("START_FAILURE_GRACE").pipe(Config.withDefault(Duration.seconds(2)))

/** A failure to build the components, as one clear line (the whole cause at Debug). */
const startupFailed = <E>(cause: Cause.Cause<E>): Effect.Effect<never, E | ComponentFailed> =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.failCause(cause)
    : Effect.logDebug("pinflow start: could not start", cause).pipe(
        Effect.andThen(Effect.logError(`pinflow start: could not start: ${reasonOf(cause)}`)),
        Effect.andThen(Effect.fail(new ComponentFailed({ component: "startup", reason: reasonOf(cause) })))
      )

/**
 * Builds `main` and runs until interrupted (exit 0) or until a component fails: then the edge is already
 * unready, the grace passes, and the program fails with `ComponentFailed` (exit 1) while every component
 * stops as on SIGTERM. A failure to start is one `ComponentFailed` line too.
 */
export const runStartWith = <E>(main: Layer.Layer<StartHealth, E>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const grace = yield* FailureGrace
      const context = yield* Layer.build(main).pipe(Effect.catchCause(startupFailed<E>))
      const failure = yield* Context.get(context, StartHealth).failed
      yield* Effect.sleep(grace)
      return yield* failure
    })
  ).pipe(Effect.annotateLogs({ service: "start" }))

/** Runs until interrupted or a component fails, on the backends the environment chooses. */
export const runStart = (options: StartOptions) =>
  Effect.flatMap(BackendChoice, (choice) => runStartWith(StartMain(choice, options)))

if (import.meta.main) runProgram(runStart({ demo: false, demoRate: 20 }))
