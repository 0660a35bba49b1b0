import { assert, describe, it } from "@effect/vitest"
import type { CleanPin } from "@pinflow/domain"
import { Result } from "effect"
import { aggregatablePin, cleanTotal, storableKey } from "../src/AggregatablePin.ts"

const pin = (overrides: Partial<CleanPin> = {}): CleanPin =>
  ({
    unique_id: "u1",
    index: 1,
    title: "t",
    description: null,
    follower_count: 7000,
    tags: ["a"],
    media_type: "image",
    image_src: null,
    downloaded: true,
    save_location: "/data/art",
    category: "art",
    ingested_at: "2026-11-26T10:00:00.000Z",
    ...overrides
  }) as CleanPin

const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join("")

describe("AggregatablePin", () => {
  it("cleanTotal: a cleaning that throws is a schema rejection of that line", () => {
    const outcome = cleanTotal(() => {
      throw new RangeError("The number Infinity cannot be converted to a BigInt")
    })
    assert.deepStrictEqual(
      outcome,
      Result.fail({
        reason: "schema",
        detail: "cleaning failed on this event: RangeError: The number Infinity cannot be converted to a BigInt"
      })
    )
    assert.deepStrictEqual(
      cleanTotal(() => Result.fail({ reason: "empty_pin", detail: "d" })),
      Result.fail({ reason: "empty_pin", detail: "d" })
    )
  })

  it("storableKey: lone surrogates and NUL become U+FFFD, so keys that would collide in Postgres are equal", () => {
    assert.strictEqual(storableKey("cat\ud800"), "cat\ufffd")
    assert.strictEqual(storableKey("cat\udbff"), storableKey("cat\ud800"))
    assert.strictEqual(storableKey("a\u0000b"), "a\ufffdb")
    assert.strictEqual(storableKey("ok \ud83d\ude00"), "ok \ud83d\ude00")
  })

  it("puts the pin on the folder's day with storable, bounded keys", () => {
    const outcome = aggregatablePin(
      pin({ category: "c\u0000", tags: ["t\udc00", letters(257), letters(256), "\ud83d\ude00".repeat(256)] }),
      "2026-11-25"
    )
    assert.deepStrictEqual(
      outcome,
      Result.succeed({
        unique_id: "u1",
        day: "2026-11-25",
        ingested_ms: Date.parse("2026-11-26T10:00:00.000Z"),
        category: "c\ufffd",
        follower_count: 7000,
        downloaded: true,
        media_type: "image" as const,
        // 256 emoji are 512 UTF-16 units but 256 code points: kept
        tags: ["t\ufffd", letters(256), "\ud83d\ude00".repeat(256)]
      })
    )
  })

  it("rejects what cannot be aggregated: an over-long category, no readable time, a count that is not whole", () => {
    const reasons = [
      aggregatablePin(pin({ category: letters(257) }), "2026-11-26"),
      aggregatablePin(pin({ ingested_at: "yesterday" }), "2026-11-26"),
      aggregatablePin(pin({ follower_count: Number.POSITIVE_INFINITY }), "2026-11-26"),
      aggregatablePin(pin({ follower_count: 1.5 }), "2026-11-26")
    ].map((r) => (Result.isFailure(r) ? [r.failure.reason, r.failure.detail, r.failure.unique_id] : "aggregated"))
    assert.deepStrictEqual(reasons, [
      ["schema", "category: Expected at most 256 characters", "u1"],
      ["schema", "ingested_at: Expected an ISO 8601 timestamp, got yesterday", "u1"],
      ["schema", "follower_count: Expected a whole count, got Infinity", "u1"],
      ["schema", "follower_count: Expected a whole count, got 1.5", "u1"]
    ])
    assert.isTrue(Result.isSuccess(aggregatablePin(pin({ category: "\ud83d\ude00".repeat(256) }), "2026-11-26")))
  })
})
