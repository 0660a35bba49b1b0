/**
 * Posts JSON bodies over kept-alive connections (node:http, one agent per run, any endpoint) and reports the status
 * and the time to the full answer. A refused or broken connection is reported by its error code.
 */
import { Agent, request } from "node:http"
import { Effect } from "effect"

export interface Posted {
  readonly status: string
  readonly millis: number
}

export const makePoster = (options: { readonly maxSockets: number; readonly apiKey?: string }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets })
  const headers = (length: number): Record<string, string | number> => ({
    "content-type": "application/json",
    "content-length": length,
    ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` })
  })
  const post = (target: URL, body: string): Effect.Effect<Posted> =>
    Effect.callback<Posted>((resume) => {
      const started = performance.now()
      const payload = Buffer.from(body)
      const done = (status: string) => resume(Effect.succeed({ status, millis: performance.now() - started }))
      const req = request(target, { method: "POST", agent, headers: headers(payload.length) }, (res) => {
        res.resume()
        res.on("end", () => done(String(res.statusCode ?? 0)))
        res.on("error", (error: NodeJS.ErrnoException) => done(error.code ?? "ERROR"))
      })
      req.on("error", (error: NodeJS.ErrnoException) => done(error.code ?? "ERROR"))
      req.end(payload)
      return Effect.sync(() => req.destroy())
    })
  return { post, close: Effect.sync(() => agent.destroy()) }
}
