import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Fiber, Layer } from "effect"
import { freePort } from "../../../test/support/freePort.ts"
import { makeEdgeServer } from "../src/EdgeServer.ts"

const onLoopback = (port: number) =>
  ConfigProvider.layer(ConfigProvider.fromUnknown({ PORT: String(port), HOST: "127.0.0.1" }))

/** Starts the edge server and its watch; `disturb` does something to the running Node server. */
const watchWhile = (disturb: (server: NonNullable<ReturnType<ReturnType<typeof makeEdgeServer>["server"]>>) => void) =>
  Effect.gen(function* () {
    const edge = makeEdgeServer()
    const port = yield* Effect.promise(freePort)
    yield* Layer.build(edge.layer.pipe(Layer.provide(onLoopback(port))))
    const server = edge.server()
    assert.isDefined(server)
    const watch = yield* Effect.forkChild(edge.watch)
    for (let i = 0; i < 10; i++) yield* Effect.yieldNow
    assert.isUndefined(watch.pollUnsafe(), "the watch runs while the server does")
    if (server !== undefined) disturb(server)
    return yield* Fiber.await(watch)
  }).pipe(Effect.scoped)

describe("the edge's server watch", () => {
  it.live("fails with the server's error", () =>
    Effect.gen(function* () {
      const exit = yield* watchWhile((server) => server.emit("error", new Error("EMFILE: too many open files")))
      assert.deepStrictEqual(
        Exit.isFailure(exit) && exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : r._tag)),
        ["EMFILE: too many open files"]
      )
    })
  )

  it.live("fails when the server closes while it should serve", () =>
    Effect.gen(function* () {
      const exit = yield* watchWhile((server) => server.close())
      assert.deepStrictEqual(
        Exit.isFailure(exit) && exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : r._tag)),
        ["the HTTP server closed"]
      )
    })
  )
})
