/**
 * `pinflow start` (= `npm start`): the edge, the stream worker and the daily batch schedule in one
 * process, each on the backend `Backends` chose, plus a status line every few seconds. `--demo` also
 * runs the emulator against the edge so that data flows at once. SIGTERM/SIGINT: the edge stops
 * accepting, the worker writes and commits what is in flight, the embedded database closes, exit 0.
 */
import { NodeRuntime } from "@effect/platform-node"
import { AnalyticsStore, gracefulTeardown, LogLevelLayer, Migrations, PinStore } from "@pinflow/adapters"
import { BatchSettings } from "@pinflow/batch"
import { BatchScheduleLayer } from "@pinflow/batch/main"
import { runEmulator } from "@pinflow/emulator"
import { IngestServer, NodeServerLayer } from "@pinflow/ingest/main"
import { StreamSettings, streamWorker } from "@pinflow/stream"
import { Config, Console, Effect, Layer, Option, Schedule } from "effect"
import { HttpServer } from "effect/http"
import { BackendChoice, databaseLayer, describeBackends, logLayer, objectStoreLayer } from "./Backends.ts"
import { statusLine } from "./StatusLine.ts"

export interface StartOptions {
  /** Also post generated events to the edge. */
  readonly demo: boolean
  /** Events per second the demo posts. */
  readonly demoRate: number
}

/** Every port the programs need, on the chosen backends; migrations run before anything writes. */
export const StartServices = (choice: BackendChoice) =>
  Layer.mergeAll(
    logLayer(choice),
    Layer.mergeAll(PinStore.layer, AnalyticsStore.layer).pipe(
      Layer.provideMerge(Migrations.layer),
      Layer.provide(databaseLayer(choice))
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
          `pinflow start: edge on ${address} (POST /pin/ and /pins; /docs, /openapi.json, /metrics, /healthz)`,
          ...describeBackends(choice).map((line) => `  ${line}`)
        ].join("\n")
      )
    )
  )

/** A console that drops the emulator's own progress lines: the status line reports the flow instead. */
const quietConsole: Console.Console = { ...globalThis.console, log: () => undefined, error: () => undefined }

/** The emulator posting generated events (some invalid, some repeated ids) to this edge. */
const Demo = (rate: number) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const port = server.address._tag === "UnixPathAddress" ? 8000 : server.address.port
      const apiKey = yield* Config.option(Config.String("INGEST_API_KEY"))
      yield* Effect.logInfo(`demo: posting ${rate} generated events/s to http://127.0.0.1:${port}/pin/`)
      yield* runEmulator({
        url: `http://127.0.0.1:${port}`,
        rate: Option.some(rate),
        concurrency: 8,
        count: Option.none(),
        duration: Option.none(),
        lines: Option.none(),
        invalidRate: 0.02,
        apiKey,
        seed: Option.none()
      }).pipe(Effect.provideService(Console.Console, quietConsole), Effect.forkScoped)
    })
  )

/** The three programs and the status line over `StartServices`. */
export const StartMain = (choice: BackendChoice, options: StartOptions) =>
  Layer.mergeAll(
    Layer.mergeAll(Announce(choice), options.demo ? Demo(options.demoRate) : Layer.empty).pipe(
      Layer.provideMerge(IngestServer),
      Layer.provide(NodeServerLayer)
    ),
    Layer.effectDiscard(Effect.forkScoped(streamWorker)),
    BatchScheduleLayer(),
    Layer.effectDiscard(Effect.forkScoped(statusLine(Schedule.spaced("5 seconds"))))
  ).pipe(Layer.provide(StartServices(choice)), Layer.provide(LogLevelLayer))

/** Runs until interrupted, on the backends the environment chooses. */
export const runStart = (options: StartOptions) =>
  Effect.gen(function* () {
    const choice = yield* BackendChoice
    return yield* Layer.launch(StartMain(choice, options))
  }).pipe(Effect.annotateLogs({ service: "start" }))

if (import.meta.main) NodeRuntime.runMain(runStart({ demo: false, demoRate: 20 }), { teardown: gracefulTeardown })
