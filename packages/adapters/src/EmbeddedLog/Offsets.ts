/**
 * The embedded log's small state file: the base offset its partitions started from, and every consumer
 * group's committed next offset per topic-partition. Replaced atomically on each save.
 */
import { Schema } from "effect"

export const offsetKey = (group: string, topic: string, partition: number) => `${group}\u0000${topic}\u0000${partition}`

const splitKey = (key: string) => {
  const [group = "", topic = "", partition = "0"] = key.split("\u0000")
  return [group, topic, Number(partition)] as const
}

const OffsetsFile = Schema.fromJsonString(
  Schema.Struct({
    base: Schema.Number,
    committed: Schema.Array(Schema.Tuple([Schema.String, Schema.String, Schema.Number, Schema.Number]))
  })
)
const decodeOffsetsFile = Schema.decodeUnknownSync(OffsetsFile)

export interface OffsetsState {
  readonly base: number
  readonly committed: Map<string, number>
}

/** Parses the file's text; throws when it is not one this module wrote. */
export const parseOffsets = (text: string): OffsetsState => {
  const file = decodeOffsetsFile(text)
  return {
    base: file.base,
    committed: new Map(
      file.committed.map(([group, topic, partition, next]) => [offsetKey(group, topic, partition), next])
    )
  }
}

export const formatOffsets = (state: OffsetsState): string =>
  JSON.stringify({
    base: state.base,
    committed: [...state.committed].map(([key, next]) => [...splitKey(key), next])
  })

/** The groups that committed on a topic, from the keys of a committed map. */
export const groupsOf = (committed: ReadonlyMap<string, number>, topic: string): ReadonlyArray<string> =>
  [...committed.keys()].flatMap((key) => {
    const [group, t] = splitKey(key)
    return t === topic ? [group] : []
  })
