import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { EventTopics } from "../src/KafkaTopics.ts"

const topicsWith = (env: Record<string, string>) =>
  EventTopics.parse(ConfigProvider.fromUnknown(env)).pipe(
    Effect.map((t) => t.types.map((x) => [x.type, x.topic, x.rejected]))
  )

describe("EventTopics", () => {
  it.effect(
    "every registered type's topic and rejected topic; other types follow a PINS_TOPIC namespace unless named",
    () =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* topicsWith({}), [
          ["pin", "pins", "pins.rejected"],
          ["geo", "geos", "geos.rejected"],
          ["user", "users", "users.rejected"]
        ])
        assert.deepStrictEqual(yield* topicsWith({ PINS_TOPIC: "it-1" }), [
          ["pin", "it-1", "it-1.rejected"],
          ["geo", "it-1-geos", "it-1-geos.rejected"],
          ["user", "it-1-users", "it-1-users.rejected"]
        ])
        assert.deepStrictEqual(yield* topicsWith({ PINS_TOPIC: "it-1", USERS_TOPIC: "people" }), [
          ["pin", "it-1", "it-1.rejected"],
          ["geo", "it-1-geos", "it-1-geos.rejected"],
          ["user", "people", "people.rejected"]
        ])
      })
  )
})
