/**
 * `pinflow start` (= `npm start`): the edge, the stream worker and the daily batch schedule in one
 * process, each on the backend `Backends` chose, plus a status line every few seconds. `--demo` also
 * runs the emulator against the edge so that data flows at once. SIGTERM/SIGINT: the edge stops
 * accepting, the worker writes and commits what is in flight, the embedded database closes, exit 0.
 * When a component fails (`StartHealth`), the edge turns unready and refuses posts at once, and after
 * `START_FAILURE_GRACE` (2 seconds) the program stops the same way and exits 1.
 */
import { LogLevelLayer } from "@pinflow/adapters"
import { Effect, Layer } from "effect"
import { BackendChoice } from "./Backends.ts"
import { StartComponents, type StartOptions } from "./StartComponents.ts"
import { runStartWith } from "./StartRunner.ts"
import { StartServices } from "./StartServices.ts"

/** The three programs and the status line on the chosen backends (or on `services`, e.g. in tests). */
export const StartProgram = (
  choice: BackendChoice,
  options: StartOptions,
  services: Layer.Layer<StartServices, unknown> = StartServices(choice)
) => StartComponents(choice, options).pipe(Layer.provide(services), Layer.provide(LogLevelLayer))

/** Runs until interrupted or a component fails, on the backends the environment chooses. */
export const runStart = (options: StartOptions) =>
  Effect.flatMap(BackendChoice, (choice) => runStartWith(StartProgram(choice, options)))
