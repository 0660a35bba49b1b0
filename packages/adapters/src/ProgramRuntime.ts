/**
 * What every long-running program shares about its process: the log level (`LOG_LEVEL`) and format
 * (`LOG_FORMAT`), how a failure is reported (one line; the stack only at Debug), and the exit code.
 *
 *   runProgram(Layer.launch(Main))    // instead of NodeRuntime.runMain(…)
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { stringifyJson } from "@pinflow/domain"
import { Cause, Config, Data, Effect, Exit, Layer, Logger, LogLevel, Option, References, Runtime } from "effect"

/** `LOG_LEVEL` or `LOG_FORMAT` holds a value no program understands. */
export class LogSettingInvalid extends Data.TaggedError("LogSettingInvalid")<{ readonly message: string }> {}

/** `LOG_LEVEL` (default Info), in any case: "warn", "WARN", "Warning" all work. */
export const MinimumLogLevelLayer = Layer.effect(
  References.MinimumLogLevel,
  Effect.gen(function* () {
    const raw = yield* Config.String("LOG_LEVEL").pipe(Config.withDefault("Info"))
    const wanted = raw.trim().toLowerCase()
    const level = LogLevel.values.find((l) => l.toLowerCase() === (wanted === "warning" ? "warn" : wanted))
    if (level !== undefined) return level
    return yield* new LogSettingInvalid({ message: `LOG_LEVEL=${raw}: expected one of ${LogLevel.values.join(", ")}` })
  })
)

export type LogFormat = "pretty" | "json"

/** A person reads a terminal; anything else (a file, a pipe, a collector) gets one JSON object per line. */
const defaultLogFormat = (): LogFormat =>
  process.stdout.isTTY === true || process.stderr.isTTY === true ? "pretty" : "json"

/** `LOG_FORMAT=pretty|json` (any case); unset: pretty on a terminal, JSON otherwise. */
export const logFormat: Effect.Effect<LogFormat, LogSettingInvalid | Config.ConfigError> = Effect.gen(function* () {
  const raw = yield* Config.option(Config.String("LOG_FORMAT"))
  if (Option.isNone(raw)) return defaultLogFormat()
  const wanted = raw.value.trim().toLowerCase()
  if (wanted === "pretty" || wanted === "json") return wanted
  return yield* new LogSettingInvalid({ message: `LOG_FORMAT=${raw.value}: expected pretty or json` })
})

/**
 * Below Debug, a log's cause (`Effect.logError("…", cause)`) is shown as its message on the same line, not
 * as stack traces: one line per record in both formats.
 */
export const stacksOnlyAtDebug = <Output>(logger: Logger.Logger<unknown, Output>): Logger.Logger<unknown, Output> =>
  Logger.make((options) => {
    const debugging = LogLevel.isLessThanOrEqualTo(options.fiber.getRef(References.MinimumLogLevel), "Debug")
    if (debugging || options.cause.reasons.length === 0) return logger.log(options)
    const reason = Cause.hasInterruptsOnly(options.cause) ? "interrupted" : describeFailure(Cause.squash(options.cause))
    const parts = Array.isArray(options.message) ? options.message : [options.message]
    const text = parts.map((part) => (typeof part === "string" ? part : stringifyJson(part))).join(" ")
    return logger.log({ ...options, message: text === "" ? reason : `${text}: ${reason}`, cause: Cause.empty })
  })

/** The one logger of every program, in the format `LOG_FORMAT` selects. */
export const LogFormatLayer = Layer.unwrap(
  Effect.map(logFormat, (format) =>
    Logger.layer([stacksOnlyAtDebug(format === "json" ? Logger.consoleJson : Logger.consolePretty())])
  )
)

/** Level and format together: what each program's main provides (the name predates `LOG_FORMAT`). */
export const LogLevelLayer = Layer.merge(MinimumLogLevelLayer, LogFormatLayer)

/** The message a person needs from a failure: the error's own message, else its tag and its cause's. */
export const describeFailure = (error: unknown): string => {
  if (error instanceof Error || (typeof error === "object" && error !== null)) {
    const e = error as {
      readonly message?: unknown
      readonly _tag?: unknown
      readonly name?: unknown
      readonly cause?: unknown
    }
    const message = typeof e.message === "string" ? e.message.trim() : ""
    if (message.length > 0) return message
    const name = typeof e._tag === "string" ? e._tag : typeof e.name === "string" ? e.name : "Error"
    return e.cause === undefined ? name : `${name}: ${describeFailure(e.cause)}`
  }
  return String(error)
}

/** A setting whose value must not reach a log line. */
const secretName = /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL|URL/i

/**
 * A `ConfigError` ("SchemaError(Expected a value between 1 and 65535\n  at ["PORT"])") as one line naming
 * the variable and, unless it may hold a secret, its value: `PORT=99999: expected a value between 1 and 65535`.
 */
export const describeConfigError = (
  error: Config.ConfigError,
  lookup: (name: string) => string | undefined
): string => {
  const match = /^SchemaError\(([\s\S]*?)\n\s*at \[(.*)\]\)$/.exec(error.message)
  if (match === null) return error.message.replace(/\s*\n\s*/g, " ")
  const problem = (match[1] ?? "").replace(/\s*\n\s*/g, " ").trim()
  const path = (match[2] ?? "").split(",").map((part) => part.trim().replace(/^"|"$/g, ""))
  const name = path.join("_")
  const value = secretName.test(name) ? undefined : lookup(name)
  return `${value === undefined ? name : `${name}=${value}`}: ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`
}

/** The line for `error`; a configuration error shows the value the environment holds. */
const failureLine = (error: unknown): Effect.Effect<string> =>
  Effect.gen(function* () {
    if (!(error instanceof Config.ConfigError)) return describeFailure(error)
    const path = /at \[(.*)\]\)$/.exec(error.message)?.[1]
    const name = path
      ?.split(",")
      .map((part) => part.trim().replace(/^"|"$/g, ""))
      .join("_")
    const value = name === undefined ? Option.none() : yield* Config.option(Config.String(name))
    return describeConfigError(error, () => Option.getOrUndefined(value))
  }).pipe(
    // the report must never be what fails: fall back to the plain message
    Effect.catchCause(() => Effect.succeed(describeFailure(error)))
  )

/**
 * Reports a failure as one error log line (in the program's format); the full cause, stacks included,
 * follows only at LOG_LEVEL=Debug. An interruption alone (SIGTERM/SIGINT) is not a failure.
 */
export const reportFailure = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapCause(effect, (cause) => {
    const error = Cause.squash(cause)
    // Errors that were already shown (the CLI's help and usage errors) say so with `errorReported`.
    return Cause.hasInterruptsOnly(cause) || !Runtime.getErrorReported(error)
      ? Effect.void
      : Effect.flatMap(failureLine(error), (line) => Effect.logError(line)).pipe(Effect.andThen(Effect.logDebug(cause)))
  })

/**
 * `runMain`'s teardown: 0 after success or an interruption alone (SIGTERM/SIGINT); after a failure the
 * error's own `errorExitCode` (the CLI's help: 0) or 1.
 */
export const gracefulTeardown = (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void): void =>
  onExit(
    Exit.isSuccess(exit) || (Exit.hasInterrupts(exit) && !Exit.hasFails(exit) && !Exit.hasDies(exit))
      ? 0
      : Runtime.getErrorExitCode(Cause.squash(exit.cause))
  )

/** Runs a program as the process: failures reported by `reportFailure` in the program's log format. */
export const runProgram = <A, E>(program: Effect.Effect<A, E>): void =>
  NodeRuntime.runMain(
    // Built first and apart, so a bad LOG_LEVEL or LOG_FORMAT is itself reported (by the default logger).
    Effect.scoped(
      Effect.flatMap(reportFailure(Layer.build(LogLevelLayer)), (logging) =>
        reportFailure(program).pipe(Effect.provideContext(logging))
      )
    ),
    { disableErrorReporting: true, teardown: gracefulTeardown }
  )
