import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit } from "effect"
import { StreamSettings, stallUnit } from "../src/StreamSettings.ts"

const settings = (env: Record<string, string>) =>
  Effect.service(StreamSettings).pipe(
    Effect.provide(StreamSettings.layer),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
  )

describe("StreamSettings", () => {
  it.effect("no batch window by default or with a bare 0; a duration brings back fixed windows", () =>
    Effect.gen(function* () {
      const none = yield* settings({})
      assert.strictEqual(Duration.toMillis(none.batchWindow), 0)
      assert.strictEqual(Duration.toMillis(stallUnit(none)), 200)
      assert.strictEqual(Duration.toMillis((yield* settings({ STREAM_BATCH_WINDOW: "0" })).batchWindow), 0)
      const window = yield* settings({ STREAM_BATCH_WINDOW: "50 millis" })
      assert.strictEqual(Duration.toMillis(window.batchWindow), 50)
      assert.strictEqual(Duration.toMillis(stallUnit(window)), 50)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(settings({ STREAM_BATCH_WINDOW: "soon" }))))
    })
  )

  it.effect("a fetch is answered at 16 KiB or after 50 ms by default; both can be set, at least one byte", () =>
    Effect.gen(function* () {
      const defaults = yield* settings({})
      assert.strictEqual(defaults.fetchMinBytes, 16 * 1024)
      assert.strictEqual(Duration.toMillis(defaults.fetchMaxWait), 50)
      const set = yield* settings({ STREAM_FETCH_MIN_BYTES: "1", STREAM_FETCH_MAX_WAIT: "5 seconds" })
      assert.strictEqual(set.fetchMinBytes, 1)
      assert.strictEqual(Duration.toMillis(set.fetchMaxWait), 5000)
      assert.strictEqual((yield* settings({ STREAM_FETCH_MIN_BYTES: "0" })).fetchMinBytes, 1)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(settings({ STREAM_FETCH_MAX_WAIT: "soon" }))))
    })
  )
})
