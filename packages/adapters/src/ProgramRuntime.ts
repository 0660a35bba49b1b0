/**
 * What every long-running program shares about its process: the minimum log level from `LOG_LEVEL`, and
 * the exit code after `NodeRuntime.runMain` (a graceful stop on SIGTERM/SIGINT is a success).
 */
import { Config, ConfigProvider, Exit, Layer, References } from "effect"

/** `LOG_LEVEL` (default Info), in any case: "warn", "WARN", "Warning" all work. */
export const LogLevelLayer = Layer.effect(
  References.MinimumLogLevel,
  Config.String("LOG_LEVEL").pipe(
    Config.withDefault("Info"),
    Config.map((raw) => raw.trim().toLowerCase()),
    Config.map((raw) => (raw === "warning" ? "warn" : raw)),
    Config.map((raw) => `${raw.charAt(0).toUpperCase()}${raw.slice(1)}`),
    Config.mapEffect((level) => Config.LogLevel("LOG_LEVEL").parse(ConfigProvider.fromUnknown({ LOG_LEVEL: level })))
  )
)

/** `runMain`'s teardown: 0 after success or an interruption alone (SIGTERM/SIGINT), 1 after a failure. */
export const gracefulTeardown = (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void): void =>
  onExit(Exit.isSuccess(exit) || (Exit.hasInterrupts(exit) && !Exit.hasFails(exit) && !Exit.hasDies(exit)) ? 0 : 1)
