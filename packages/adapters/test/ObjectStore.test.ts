import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { listAll, ObjectStore, ObjectStoreError } from "../src/ObjectStore.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (body: Uint8Array) => new TextDecoder().decode(body)

/** The same contract for every backend: each test gets a fresh, empty store. */
const contract = (name: string, fresh: () => Layer.Layer<ObjectStore, unknown>) =>
  describe(`ObjectStore (${name})`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, ObjectStore>) => effect.pipe(Effect.provide(fresh()))

    it.effect("put then get returns the same bytes; put again replaces", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          yield* store.put("raw/a.json", bytes("first"))
          assert.strictEqual(text(yield* store.get("raw/a.json")), "first")
          yield* store.put("raw/a.json", bytes("second"))
          assert.strictEqual(text(yield* store.get("raw/a.json")), "second")
        })
      )
    )

    it.effect("a missing object is ObjectNotFound for get and stream", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          const got = yield* store.get("nope/x").pipe(Effect.flip)
          assert.strictEqual(got._tag, "ObjectNotFound")
          const streamed = yield* store.stream("nope/x").pipe(Stream.runDrain, Effect.flip)
          assert.strictEqual(streamed._tag, "ObjectNotFound")
        })
      )
    )

    it.effect("stream reads a large object in order, in several chunks", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          const body = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251)
          yield* store.put("big/object.bin", body)
          const chunks = yield* Stream.runCollect(store.stream("big/object.bin"))
          const joined = Buffer.concat(chunks.map((c) => Buffer.from(c)))
          assert.isTrue(chunks.length > 1)
          assert.isTrue(joined.equals(Buffer.from(body)))
        })
      )
    )

    it.effect("lists by prefix in key order, page by page, with sizes", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          for (const key of ["p/b", "p/a", "p/c/d", "q/a", "pp/x"]) yield* store.put(key, bytes(key))
          const first = yield* store.list("p/", { pageSize: 2 })
          assert.deepStrictEqual(
            first.objects.map((o) => [o.key, o.size]),
            [
              ["p/a", 3],
              ["p/b", 3]
            ]
          )
          assert.isDefined(first.nextPageToken)
          const second = yield* store.list("p/", {
            pageSize: 2,
            ...(first.nextPageToken ? { pageToken: first.nextPageToken } : {})
          })
          assert.deepStrictEqual(
            second.objects.map((o) => o.key),
            ["p/c/d"]
          )
          assert.isUndefined(second.nextPageToken)
          const all = yield* Stream.runCollect(listAll(store, "p", 1))
          assert.deepStrictEqual(
            all.map((o) => o.key),
            ["p/a", "p/b", "p/c/d", "pp/x"]
          )
          assert.deepStrictEqual((yield* store.list("none/")).objects, [])
        })
      )
    )

    it.effect("delete removes the object; deleting a missing object succeeds", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          yield* store.put("d/x", bytes("x"))
          yield* store.delete("d/x")
          yield* store.delete("d/x")
          assert.deepStrictEqual((yield* store.list("d/")).objects, [])
        })
      )
    )

    it.effect("rejects keys that could escape the store", () =>
      run(
        Effect.gen(function* () {
          const store = yield* ObjectStore
          for (const key of ["", "/abs", "a/../b", "a//b"]) {
            const error = yield* store.put(key, bytes("x")).pipe(Effect.flip)
            assert.strictEqual(error._tag, "ObjectStoreError")
          }
        })
      )
    )
  })

contract("memory", () => ObjectStore.layerMemory)
contract("local folder", () =>
  Layer.unwrap(
    Effect.acquireRelease(
      Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "pinflow-objects-"))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    ).pipe(Effect.map((dir) => ObjectStore.layerLocalFolder(path.join(dir, "bucket"))))
  )
)

describe("ObjectStore (local folder) atomic writes", () => {
  it.effect("leaves no temporary files behind and never lists them", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "pinflow-objects-")))
      const store = yield* ObjectStore.pipe(Effect.provide(ObjectStore.layerLocalFolder(dir)))
      yield* store.put("raw/x.ndjson.gz", bytes("one"))
      // a writer that crashed mid-write leaves its temporary file: it must stay invisible
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "raw", ".x.ndjson.gz.1a2b.tmp"), "partial"))
      const files = yield* Effect.promise(() => fs.readdir(path.join(dir, "raw")))
      assert.deepStrictEqual(files.sort(), [".x.ndjson.gz.1a2b.tmp", "x.ndjson.gz"])
      assert.deepStrictEqual(
        (yield* store.list("raw/")).objects.map((o) => o.key),
        ["raw/x.ndjson.gz"]
      )
      yield* Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    })
  )
})

describe("ObjectStore.layer without GCS_BUCKET", () => {
  const location = (env: Record<string, string>) =>
    Effect.gen(function* () {
      return (yield* ObjectStore).location
    }).pipe(
      Effect.provide(ObjectStore.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))))
    )

  it.effect("uses $PINFLOW_HOME/bucket, as pinflow start does, unless OBJECT_STORE_DIR is set", () =>
    Effect.gen(function* () {
      const home = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "pinflow-home-")))
      assert.strictEqual(yield* location({ PINFLOW_HOME: home }), `file://${path.join(home, "bucket")}`)
      const dir = path.join(home, "elsewhere")
      assert.strictEqual(yield* location({ PINFLOW_HOME: home, OBJECT_STORE_DIR: dir }), `file://${dir}`)
      yield* Effect.promise(() => fs.rm(home, { recursive: true, force: true }))
    })
  )
})

describe("ObjectStoreError", () => {
  it("prints any cause, even one without a prototype", () => {
    const error = (cause: unknown) => new ObjectStoreError({ operation: "get", key: "k", cause }).message
    assert.deepStrictEqual(
      [error(new Error("socket hang up")), error("refused"), error(Object.create(null)), error({ code: 503 })],
      [
        'object store get "k" failed: socket hang up',
        'object store get "k" failed: refused',
        'object store get "k" failed: [object Object]',
        'object store get "k" failed: [object Object]'
      ]
    )
  })
})
