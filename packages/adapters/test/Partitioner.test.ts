import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Partitioners } from "kafkajs"
import { keyPartition, murmur2 } from "../src/PinLog/Partitioner.ts"

/** What kafkajs' producer picks for a keyed message on a topic with `partitions` partitions. */
const kafkajsPartition = (key: string, partitions: number): number =>
  Partitioners.DefaultPartitioner()({
    topic: "pins",
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0]
    })),
    message: { key, value: "{}" }
  })

describe("keyPartition", () => {
  it("chooses the partition kafkajs' default partitioner chooses, for any key and partition count", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (key, partitions) => {
        assert.strictEqual(keyPartition(key, partitions), kafkajsPartition(key, partitions))
      }),
      { numRuns: 2000 }
    )
  })

  it("matches on UUIDs and trimmed ids of every length mod 4", () => {
    for (const key of ["", "a", "ab", "abc", "abcd", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "épingle-ü", "🙂🙂"])
      for (const partitions of [1, 3, 6, 12])
        assert.strictEqual(keyPartition(key, partitions), kafkajsPartition(key, partitions), key)
  })

  it("murmur2 gives the Java client's values (its UtilsTest vectors)", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107]
    ]
    for (const [text, expected] of cases) assert.strictEqual(murmur2(Buffer.from(text, "utf8")), expected, text)
  })
})
