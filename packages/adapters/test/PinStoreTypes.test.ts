import { assert, describe, it } from "@effect/vitest"
import { dedupeLast, isConnectivityError, type PinRow, storedKey } from "../src/PinStore.ts"

const coded = (code: string) => Object.assign(new Error(code), { code })

const pin = (id: string, overrides: Partial<PinRow> = {}): PinRow => ({
  unique_id: id,
  index: 1,
  title: "t",
  description: null,
  follower_count: null,
  tags: [],
  media_type: "image",
  image_src: null,
  downloaded: false,
  save_location: "/x",
  category: null,
  ingested_at: "2026-11-26T10:00:00.000Z",
  topic: "pins",
  partition: 0,
  offset: 0,
  ...overrides
})

describe("isConnectivityError", () => {
  it("retries the database's unavailability and statement-wide refusals, and dropped connections", () => {
    for (const code of [
      "25006",
      "28P01",
      "3D000",
      "3F000",
      "40001",
      "40P01",
      "42501",
      "42P01",
      "55P03",
      "08006",
      "08001",
      "53300",
      "53100",
      "57P01",
      "57P03",
      "57014",
      "58030",
      "CONNECTION_CLOSED",
      "CONNECTION_DESTROYED",
      "CONNECTION_ENDED",
      "CONNECT_TIMEOUT",
      "STATEMENT_DEADLINE",
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE"
    ])
      assert.isTrue(isConnectivityError(coded(code)), code)
  })

  it("isolates what a row can cause: data, integrity, cardinality, size, unknown and uncoded failures", () => {
    for (const cause of [
      coded("22021"),
      coded("22008"),
      coded("23505"),
      coded("23514"),
      coded("21000"),
      coded("54000"),
      coded("XX000"),
      coded("08"),
      new Error("no code"),
      new RangeError("Invalid string length"),
      "a string",
      null,
      undefined
    ])
      assert.isFalse(isConnectivityError(cause), String((cause as { code?: string } | null)?.code ?? cause))
  })
})

describe("dedupeLast", () => {
  it("keys ids as Postgres stores them (lone surrogates as U+FFFD) and keeps the version rule 9 says wins", () => {
    assert.strictEqual(storedKey("a\uD800"), "a\uFFFD")
    assert.strictEqual(storedKey("plain"), "plain")
    const later = pin("a\uDBFF", { title: "later", ingested_at: "2026-11-26T10:00:05.000Z", offset: 1 })
    const earlier = pin("a\uD800", { title: "earlier", ingested_at: "2026-11-26T10:00:00.000Z", offset: 9 })
    assert.deepStrictEqual(dedupeLast([later, earlier, pin("b")]), [later, pin("b")])
    // same time: the later offset wins, wherever it stands in the batch
    const high = pin("c", { title: "high", offset: 7 })
    const low = pin("c", { title: "low", offset: 3 })
    assert.deepStrictEqual(dedupeLast([high, low]), [high])
    assert.deepStrictEqual(dedupeLast([low, high]), [high])
  })

  it("returns the batch itself when no key repeats (no copy on the happy path)", () => {
    const batch = [pin("a"), pin("b")]
    assert.strictEqual(dedupeLast(batch), batch)
  })
})
