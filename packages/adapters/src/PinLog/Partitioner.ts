/**
 * Which partition a keyed message goes to, exactly as kafkajs' `Partitioners.DefaultPartitioner` (and the
 * Java client) chooses: murmur2 of the key's UTF-8 bytes, made positive, modulo the topic's partitions.
 * The batcher needs it to cap the bytes each partition gets from one send; the producer is then told the
 * partition, so what was counted is what is sent. Math.imul makes it cheap (kafkajs computes it in Long).
 */

const seed = 0x9747b28c
const mix = 0x5bd1e995

/** Kafka's murmur2 (Utils.murmur2 of the Java client) as a signed 32-bit integer. */
export const murmur2 = (data: Uint8Array): number => {
  const length = data.length
  let h = seed ^ length
  const words = length >>> 2
  for (let i = 0; i < words; i++) {
    const at = i * 4
    let k =
      (data[at] as number) |
      ((data[at + 1] as number) << 8) |
      ((data[at + 2] as number) << 16) |
      ((data[at + 3] as number) << 24)
    k = Math.imul(k, mix)
    k ^= k >>> 24
    k = Math.imul(k, mix)
    h = Math.imul(h, mix) ^ k
  }
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= (data[tail + 2] as number) << 16
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8
  if (rest >= 1) h = Math.imul(h ^ (data[tail] as number), mix)
  h ^= h >>> 13
  h = Math.imul(h, mix)
  h ^= h >>> 15
  return h | 0
}

/** The partition of a keyed message among `partitions`, as kafkajs' default partitioner picks it. */
export const keyPartition = (key: string, partitions: number): number =>
  (murmur2(Buffer.from(key, "utf8")) & 0x7fffffff) % partitions
