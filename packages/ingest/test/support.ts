/** A real ingest server on an ephemeral port over the in-memory PinLog, and a small fetch client. */
import { request as httpRequest } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { type BatcherOptions, InMemoryLog, PinLog } from "@pinflow/adapters"
import { type Duration, Effect, Layer, Schedule } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { IngestRoutes } from "../src/IngestHttp.ts"
import { IngestSettings, type IngestSettingsShape } from "../src/IngestSettings.ts"

export const testServer = (settings: Partial<IngestSettingsShape> = {}, log: Partial<BatcherOptions> = {}) =>
  HttpRouter.serve(IngestRoutes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(PinLog.layerMemoryWith({ linger: 0, ...log })),
    Layer.provideMerge(InMemoryLog.layer),
    Layer.provide(IngestSettings.layerWith(settings)),
    Layer.provideMerge(NodeHttpServer.layerTest)
  )

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: unknown
}

const baseUrl = HttpServer.addressFormattedWith((address) => Effect.succeed(address))

/** Sends a request to the test server and reads the whole answer. */
export const send = (path: string, init: RequestInit = {}) =>
  Effect.gen(function* () {
    const base = yield* baseUrl
    return yield* Effect.promise(async (): Promise<Reply> => {
      const response = await fetch(`${base}${path}`, init)
      const text = await response.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: response.status, headers: response.headers, text, json }
    })
  })

export const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
  send(path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })

/** A chunked upload (no Content-Length) of `chunks` × `chunkSize` bytes; resolves with the status. */
export const postChunked = (path: string, chunkSize: number, chunks: number) =>
  Effect.gen(function* () {
    const base = new URL(yield* baseUrl)
    return yield* Effect.promise(
      () =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            {
              host: "127.0.0.1",
              port: base.port,
              path,
              method: "POST",
              headers: { "content-type": "application/json", "transfer-encoding": "chunked" }
            },
            (res) => {
              res.resume()
              resolve(res.statusCode ?? 0)
            }
          )
          req.on("error", (error) => (String(error).includes("EPIPE") ? undefined : reject(error)))
          const chunk = Buffer.alloc(chunkSize, " ")
          let sent = 0
          const pump = () => {
            while (sent < chunks) {
              sent += 1
              if (!req.write(chunk)) return void req.once("drain", pump)
            }
            req.end()
          }
          pump()
        })
    )
  })

export const sampleEvent = (overrides: Record<string, unknown> = {}) => ({
  index: 7528,
  unique_id: "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
  title: "No Title Data Available",
  description: "No description available Story format",
  poster_name: "User Info Error",
  follower_count: "User Info Error",
  tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
  is_image_or_video: "multi-video(story page format)",
  image_src: "Image src error.",
  downloaded: 0,
  save_location: "Local save in /data/mens-fashion",
  category: "mens-fashion",
  ...overrides
})

/** Waits until `condition` holds (checked every few ms, by default at most 5 s): orders a test by state, not by sleeps. */
export const eventually = <E, R>(
  condition: Effect.Effect<boolean, E, R>,
  what: string,
  within: Duration.Input = "5 seconds",
  every: Duration.Input = "2 millis"
) =>
  condition.pipe(
    Effect.repeat({ schedule: Schedule.spaced(every), until: (held) => held }),
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`never happened: ${what}`)) }),
    Effect.asVoid
  )
