/**
 * A server that cannot listen, said in one line naming the setting to change: Node's `ServeError` has an
 * empty message and keeps `EADDRINUSE` in its cause.
 *
 *   NodeHttpServer.layerConfig(…).pipe(explainListenFailure({ port: "PORT or --port", host: "HOST or --host" }))
 */
import { Data, Effect, Layer } from "effect"
import type { HttpServerError } from "effect/http"

type ServeError = HttpServerError.ServeError

/** The server could not listen; the message names the address, the setting and the fix. */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly message: string
  readonly cause: unknown
}> {}

export interface ListenSettings {
  /** How a user sets the port, e.g. "PORT or --port", "METRICS_PORT". */
  readonly port: string
  /** How a user sets the host, e.g. "HOST or --host", "METRICS_HOST". */
  readonly host: string
}

interface ListenCause {
  readonly code?: unknown
  readonly address?: unknown
  readonly port?: unknown
  readonly message?: unknown
}

/** The one line for a failed `listen`. */
export const listenErrorMessage = (cause: unknown, settings: ListenSettings): string => {
  const c = (typeof cause === "object" && cause !== null ? cause : {}) as ListenCause
  const where = `${String(c.address ?? "?")}:${String(c.port ?? "?")}`
  switch (c.code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: the port is already in use by another process — stop it, or choose another port with ${settings.port}`
    case "EACCES":
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges) — choose another port with ${settings.port}`
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: no such address on this machine — set ${settings.host} to one of its addresses (0.0.0.0: all)`
    default:
      return `cannot listen on ${where} (${settings.port}, ${settings.host}): ${typeof c.message === "string" ? c.message : String(cause)}`
  }
}

/** Turns a server Layer's `ServeError` into a `ListenError` that says what to change. */
export const explainListenFailure =
  (settings: ListenSettings) =>
  <A, E, R>(layer: Layer.Layer<A, E | ServeError, R>): Layer.Layer<A, Exclude<E, ServeError> | ListenError, R> =>
    Layer.catchTag(layer, "ServeError", (error: unknown) =>
      Layer.effectDiscard(
        Effect.fail(
          new ListenError({ message: listenErrorMessage((error as ServeError).cause, settings), cause: error })
        )
      )
    ) as Layer.Layer<A, Exclude<E, ServeError> | ListenError, R>
