import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { Database, redactUrl } from "../src/Database.ts"

const withUrl = (vars: Record<string, string>) =>
  Database.layerConfig({ connectTimeout: "1 second" }).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(vars)))
  )

describe("Database", () => {
  it("hides the password of a URL", () => {
    assert.strictEqual(
      redactUrl("postgres://pinflow:secret@127.0.0.1:5432/pinflow"),
      "postgres://pinflow:***@127.0.0.1:5432/pinflow"
    )
  })

  it.live("says where it could not connect and how to start PostgreSQL, without the password", () =>
    Effect.gen(function* () {
      // port 1 on loopback: nothing listens there
      const error = yield* Effect.flip(
        Layer.build(withUrl({ DATABASE_URL: "postgres://pinflow:secret@127.0.0.1:1/pinflow" })).pipe(Effect.scoped)
      )
      assert.strictEqual(error._tag, "DatabaseUnreachable")
      assert.match(
        error.message,
        /^DATABASE_URL=postgres:\/\/pinflow:\*\*\*@127\.0\.0\.1:1\/pinflow: could not connect to 127\.0\.0\.1:1 \(.+\) — is PostgreSQL running\? `npm run services -- up` starts one$/
      )
      assert.notInclude(error.message, "secret")
    })
  )

  it.live("names the variable when DATABASE_URL is unset", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(withUrl({})).pipe(Effect.scoped))
      assert.include(error.message, "DATABASE_URL is not set")
    })
  )
})
