import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { isoTime, toWriteBatch } from "../src/Transform.ts"
import { event, ingestedAt, record } from "./Fixtures.ts"

const topics = { pinsTopic: "pins", rejectedTopic: "pins.rejected" }
const now = "2026-11-26T12:00:00.000Z"

describe("toWriteBatch", () => {
  it("cleans pins and keeps their Kafka coordinates", () => {
    const batch = toWriteBatch([record(event("p1"), 4, { partition: 2 })], topics, now)
    assert.deepStrictEqual(batch, {
      pins: [
        {
          unique_id: "p1",
          index: 1,
          title: "Title p1",
          description: "A description",
          follower_count: 1500,
          tags: ["a", "b", "c"],
          media_type: "image",
          image_src: "https://example.com/i.jpg",
          downloaded: true,
          save_location: "/data/art",
          category: "art",
          ingested_at: ingestedAt,
          topic: "pins",
          partition: 2,
          offset: 4
        }
      ],
      rejects: []
    })
  })

  it("turns every record that does not clean into one stream reject with its reason and coordinates", () => {
    const records = [
      record("not json {", 0),
      record(event("p2", { title: "No Title Data Available", description: "No description available" }), 1),
      record(event("p3", { is_image_or_video: "gif" }), 2),
      record(JSON.stringify({ unique_id: "p4", index: "one" }), 3),
      record(event("p5", { ingested_at: undefined }), 4)
    ]
    const batch = toWriteBatch(records, topics, now)
    assert.deepStrictEqual(batch.pins, [])
    assert.deepStrictEqual(
      batch.rejects.map((r) => [r.reason, r.unique_id, r.source, r.topic, r.partition, r.offset, r.rejected_at]),
      [
        ["invalid_json", null, "stream", "pins", 0, 0, now],
        ["empty_pin", "p2", "stream", "pins", 0, 1, now],
        ["unknown_media_type", "p3", "stream", "pins", 0, 2, now],
        ["schema", "p4", "stream", "pins", 0, 3, now],
        ["schema", "p5", "stream", "pins", 0, 4, now]
      ]
    )
    assert.deepStrictEqual(
      batch.rejects.map((r) => r.raw),
      records.map((r) => r.value)
    )
    assert.include(batch.rejects[3]?.detail ?? "", "index")
    assert.include(batch.rejects[4]?.detail ?? "", "ingested_at")
  })

  it("moves the edge's rejects into ingest rejects, and keeps unreadable ones whole", () => {
    const refused = {
      reason: "schema",
      detail: "index: Expected an integer, got 1.5",
      unique_id: "p9",
      raw: { unique_id: "p9", index: 1.5 },
      rejected_at: "2026-11-26T09:00:00Z"
    }
    const batch = toWriteBatch(
      [
        record(JSON.stringify(refused), 7, { topic: "pins.rejected" }),
        record(JSON.stringify({ reason: "schema", detail: "not JSON", raw: "{oops", rejected_at: now }), 8, {
          topic: "pins.rejected"
        }),
        record("garbage", 9, { topic: "pins.rejected" }),
        record(JSON.stringify({ hello: 1 }), 10, { topic: "pins.rejected" })
      ],
      topics,
      now
    )
    assert.deepStrictEqual(batch.rejects.slice(0, 2), [
      {
        reason: "schema",
        detail: "index: Expected an integer, got 1.5",
        unique_id: "p9",
        raw: '{"unique_id":"p9","index":1.5}',
        source: "ingest",
        topic: "pins.rejected",
        partition: 0,
        offset: 7,
        rejected_at: "2026-11-26T09:00:00.000Z"
      },
      {
        reason: "schema",
        detail: "not JSON",
        unique_id: null,
        raw: "{oops",
        source: "ingest",
        topic: "pins.rejected",
        partition: 0,
        offset: 8,
        rejected_at: now
      }
    ])
    assert.deepStrictEqual(
      batch.rejects.slice(2).map((r) => [r.reason, r.raw, r.source, r.offset]),
      [
        ["invalid_json", "garbage", "ingest", 9],
        ["schema", '{"hello":1}', "ingest", 10]
      ]
    )
  })
})

describe("toWriteBatch totality", () => {
  it("keeps a record whose cleaning throws as an unstorable reject of its own; the others are unaffected", () => {
    // a value that throws when read stands for any bug or input that makes cleaning throw
    const throwing = (offset: number, topic: string) => {
      const base = record("", offset, { topic })
      let reads = 0
      return Object.defineProperty({ ...base }, "value", {
        get: () => {
          reads += 1
          if (reads === 1) throw new RangeError("Maximum call stack size exceeded")
          return "the payload"
        }
      })
    }
    const batch = toWriteBatch(
      [record(event("p1"), 0), throwing(1, "pins"), record(event("p2"), 2), throwing(3, "pins.rejected")],
      topics,
      now
    )
    assert.deepStrictEqual(
      batch.pins.map((p) => [p.unique_id, p.offset]),
      [
        ["p1", 0],
        ["p2", 2]
      ]
    )
    assert.deepStrictEqual(batch.rejects, [
      {
        reason: "unstorable",
        detail: "the worker could not clean this record: RangeError: Maximum call stack size exceeded",
        unique_id: null,
        raw: "the payload",
        source: "stream",
        topic: "pins",
        partition: 0,
        offset: 1,
        rejected_at: now
      },
      {
        reason: "unstorable",
        detail: "the worker could not clean this record: RangeError: Maximum call stack size exceeded",
        unique_id: null,
        raw: "the payload",
        source: "ingest",
        topic: "pins.rejected",
        partition: 0,
        offset: 3,
        rejected_at: now
      }
    ])
  })

  it("keeps a 10,000-deep raw of an edge reject without throwing", () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`
    const value = `{"reason":"schema","detail":"d","raw":${deep},"rejected_at":"2026-11-26T00:00:00Z"}`
    const batch = toWriteBatch([record(value, 0, { topic: "pins.rejected" })], topics, now)
    assert.deepStrictEqual(batch.pins, [])
    assert.deepStrictEqual(
      batch.rejects.map((r) => [r.reason, r.raw, r.source, r.offset]),
      [["invalid_json", value, "ingest", 0]]
    )
  })
})

describe("isoTime", () => {
  /** The definition: what Date.parse reads, printed by toISOString; anything else unchanged. */
  const reference = (time: string) => {
    const millis = Date.parse(time)
    return Number.isNaN(millis) ? time : new Date(millis).toISOString()
  }

  it("gives what Date.parse + toISOString give, also for days a month lacks and odd shapes", () => {
    for (const time of [
      "2026-11-26T10:00:00.000Z",
      "2026-02-30T00:00:00.000Z",
      "2026-02-29T12:00:00.000Z",
      "2026-11-26T24:00:00.000Z",
      "2026-13-01T00:00:00.000Z",
      "2026-11-26T10:00:00Z",
      "2026-11-26T10:00:00.000+02:00",
      "2026-11-26",
      "yesterday"
    ])
      assert.strictEqual(isoTime(time), reference(time), time)
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n })
    fc.assert(
      fc.property(
        digits(4),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        digits(3),
        (y, mo, d, h, mi, s, ms) => {
          const time = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`
          assert.strictEqual(isoTime(time), reference(time), time)
        }
      ),
      { numRuns: 5000 }
    )
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (date) => {
        const time = date.toISOString()
        assert.strictEqual(isoTime(time), reference(time), time)
      })
    )
  })
})
