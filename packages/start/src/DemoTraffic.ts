/** `pinflow start --demo`: the emulator posting generated events (some invalid, some repeated ids) to this edge. */
import { runEmulator } from "@pinflow/emulator"
import { Config, Console, Effect, Option } from "effect"
import { HttpServer } from "effect/http"

/** A console that drops the emulator's own progress lines: the status line reports the flow instead. */
const quietConsole: Console.Console = { ...globalThis.console, log: () => undefined, error: () => undefined }

/** Posts `rate` generated rows per second (a pin, a geo and a user event each) to the edge of this process. */
export const demo = (rate: number) =>
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
