import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Result } from "effect"
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

  it.effect("refuses two types on one topic, their .rejected topics included, naming the variables", () =>
    Effect.gen(function* () {
      const failure = (env: Record<string, string>) =>
        EventTopics.parse(ConfigProvider.fromUnknown(env)).pipe(
          Effect.result,
          Effect.map((r) => (Result.isFailure(r) ? r.failure.message : "parsed"))
        )
      assert.strictEqual(
        yield* failure({ GEOS_TOPIC: "pins" }),
        "SchemaError(Kafka topic pins is both PINS_TOPIC (pin events) and GEOS_TOPIC (geo events): every event type needs topics of its own (set GEOS_TOPIC to another name))"
      )
      assert.strictEqual(
        yield* failure({ PINS_TOPIC: "it-2", USERS_TOPIC: "it-2-geos.rejected" }),
        "SchemaError(Kafka topic it-2-geos.rejected is both GEOS_TOPIC's it-2-geos.rejected (geo refusals) and USERS_TOPIC (user events): every event type needs topics of its own (set USERS_TOPIC to another name))"
      )
      assert.strictEqual(
        yield* failure({ GEOS_TOPIC: "places", USERS_TOPIC: "places" }),
        "SchemaError(Kafka topic places is both GEOS_TOPIC (geo events) and USERS_TOPIC (user events): every event type needs topics of its own (set USERS_TOPIC to another name))"
      )
      assert.strictEqual(yield* failure({ GEOS_TOPIC: "places", USERS_TOPIC: "people" }), "parsed")
    })
  )
})
