/**
 * The object store as a folder on disk, the embedded default (`./.pinflow/bucket`). A key is a relative
 * path under the folder. A write goes to a hidden temporary file in the same directory, then is renamed
 * over the key, so a reader or a crash never leaves half an object; listings skip those temporary files.
 */
import { createReadStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Random, Stream } from "effect"
import type { ObjectInfo, ObjectStoreApi } from "../ObjectStore.ts"
import { invalidKey, ObjectNotFound, ObjectStoreError } from "./ObjectStoreError.ts"

const defaultPageSize = 1000
const tempSuffix = ".tmp"
const isTemp = (name: string) => name.startsWith(".") && name.endsWith(tempSuffix)
const isMissing = (cause: unknown) => (cause as { code?: unknown } | null)?.code === "ENOENT"

export const makeLocalFolder = (root: string): Effect.Effect<ObjectStoreApi, ObjectStoreError> =>
  Effect.gen(function* () {
    const base = path.resolve(root)
    yield* Effect.tryPromise({
      try: () => fs.mkdir(base, { recursive: true }),
      catch: (cause) => new ObjectStoreError({ operation: "put", key: "", cause })
    })

    const pathOf = (operation: ObjectStoreError["operation"], key: string): Effect.Effect<string, ObjectStoreError> => {
      const problem = invalidKey(key)
      return problem === undefined
        ? Effect.succeed(path.join(base, key))
        : Effect.fail(new ObjectStoreError({ operation, key, cause: new Error(problem) }))
    }
    const attempt = <A>(operation: ObjectStoreError["operation"], key: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (cause) => new ObjectStoreError({ operation, key, cause }) })

    /** Keys under `dir` (relative to `base`), skipping temporary files; empty when `dir` does not exist. */
    const keysUnder = (dir: string) =>
      attempt("list", dir, async () => {
        const absolute = path.join(base, dir)
        const entries = await fs.readdir(absolute, { recursive: true, withFileTypes: true }).catch((cause) => {
          if (isMissing(cause)) return []
          throw cause
        })
        return entries
          .filter((e) => e.isFile() && !isTemp(e.name))
          .map((e) => path.relative(base, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
      })

    return {
      location: `file://${base}`,
      put: (key, body) =>
        Effect.gen(function* () {
          const target = yield* pathOf("put", key)
          const suffix = (yield* Random.nextInt).toString(16)
          const temp = path.join(path.dirname(target), `.${path.basename(target)}.${suffix}${tempSuffix}`)
          yield* attempt("put", key, async () => {
            await fs.mkdir(path.dirname(target), { recursive: true })
            try {
              await fs.writeFile(temp, body)
              await fs.rename(temp, target)
            } catch (cause) {
              await fs.rm(temp, { force: true })
              throw cause
            }
          })
        }),
      get: (key) =>
        pathOf("get", key).pipe(
          Effect.flatMap((file) =>
            Effect.tryPromise({
              try: () => fs.readFile(file),
              catch: (cause) =>
                isMissing(cause) ? new ObjectNotFound({ key }) : new ObjectStoreError({ operation: "get", key, cause })
            })
          ),
          Effect.map((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength))
        ),
      stream: (key) =>
        Stream.unwrap(
          pathOf("stream", key).pipe(
            Effect.map((file) =>
              NodeStream.fromReadable<Uint8Array, ObjectStoreError | ObjectNotFound>({
                evaluate: () => createReadStream(file),
                onError: (cause) =>
                  isMissing(cause)
                    ? new ObjectNotFound({ key })
                    : new ObjectStoreError({ operation: "stream", key, cause })
              })
            )
          )
        ),
      list: (prefix, options) =>
        Effect.gen(function* () {
          const pageSize = Math.max(1, options?.pageSize ?? defaultPageSize)
          const after = options?.pageToken
          const slash = prefix.lastIndexOf("/")
          const dir = slash < 0 ? "" : prefix.slice(0, slash)
          const keys = (yield* keysUnder(dir))
            .filter((k) => k.startsWith(prefix) && (after === undefined || k > after))
            .sort()
          // An object deleted between the directory walk and its stat is simply not listed.
          const stats = yield* Effect.forEach(keys.slice(0, pageSize), (key) =>
            attempt("list", key, () =>
              fs.stat(path.join(base, key)).then(
                (stat): ObjectInfo => ({ key, size: stat.size, created: stat.mtimeMs }),
                (cause) => {
                  if (isMissing(cause)) return undefined
                  throw cause
                }
              )
            )
          )
          const page = stats.filter((info) => info !== undefined)
          const last = keys[pageSize - 1]
          return keys.length > pageSize && last !== undefined
            ? { objects: page, nextPageToken: last }
            : { objects: page }
        }),
      delete: (key) =>
        pathOf("delete", key).pipe(Effect.flatMap((file) => attempt("delete", key, () => fs.rm(file, { force: true }))))
    }
  })
