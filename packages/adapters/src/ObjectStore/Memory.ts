/** The in-memory object store: a sorted view over a Map, for tests. Writes copy the bytes they are given. */
import { Clock, Effect, Stream } from "effect"
import type { ObjectInfo, ObjectStoreApi } from "../ObjectStore.ts"
import { invalidKey, ObjectNotFound, ObjectStoreError } from "./ObjectStoreError.ts"

interface Stored {
  readonly body: Uint8Array
  readonly created: number
}

const defaultPageSize = 1000
/** Streams hand out objects in chunks of this size, like a network read would. */
const streamChunk = 64 * 1024

export const makeMemory = (): ObjectStoreApi => {
  const objects = new Map<string, Stored>()
  const checked = <A>(operation: ObjectStoreError["operation"], key: string, f: () => Effect.Effect<A, never>) => {
    const problem = invalidKey(key)
    return problem === undefined
      ? f()
      : Effect.fail(new ObjectStoreError({ operation, key, cause: new Error(problem) }))
  }
  const read = (key: string) =>
    Effect.suspend(() => {
      const stored = objects.get(key)
      return stored === undefined ? Effect.fail(new ObjectNotFound({ key })) : Effect.succeed(stored.body)
    })
  return {
    location: "memory:",
    put: (key, body) =>
      checked("put", key, () =>
        Effect.gen(function* () {
          objects.set(key, { body: Uint8Array.from(body), created: yield* Clock.currentTimeMillis })
        })
      ),
    get: (key) => read(key).pipe(Effect.map((body) => Uint8Array.from(body))),
    stream: (key) =>
      Stream.fromEffect(read(key)).pipe(
        Stream.flatMap((body) =>
          Stream.fromIterable(
            Array.from({ length: Math.ceil(body.length / streamChunk) }, (_, i) =>
              body.slice(i * streamChunk, (i + 1) * streamChunk)
            )
          )
        )
      ),
    list: (prefix, options) =>
      Effect.sync(() => {
        const pageSize = Math.max(1, options?.pageSize ?? defaultPageSize)
        const after = options?.pageToken
        const keys = [...objects.keys()]
          .filter((k) => k.startsWith(prefix) && (after === undefined || k > after))
          .sort()
        const page = keys.slice(0, pageSize).map((key): ObjectInfo => {
          const stored = objects.get(key) as Stored
          return { key, size: stored.body.length, created: stored.created }
        })
        const last = page.at(-1)
        return keys.length > pageSize && last !== undefined
          ? { objects: page, nextPageToken: last.key }
          : { objects: page }
      }),
    delete: (key) => checked("delete", key, () => Effect.sync(() => void objects.delete(key)))
  }
}
