// ObjectStore.layerGcs against fake-gcs-server (GCS_ENDPOINT + a projectId, never STORAGE_EMULATOR_HOST), in a
// bucket of its own: the same behaviour the memory and local-folder backends are tested for.
import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { listAll, ObjectStore } from "../src/ObjectStore.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

describeIntegration("ObjectStore on the GCS emulator", ["gcs"], (env) => {
  const bucket = uniqueName("objects")
  beforeAll(async () => {
    const res = await fetch(`${env.gcsEndpoint}/storage/v1/b`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket })
    })
    assert.isTrue(res.ok, `create bucket: HTTP ${res.status}`)
  })
  afterAll(async () => {
    const list = (await (await fetch(`${env.gcsEndpoint}/storage/v1/b/${bucket}/o`)).json()) as {
      items?: Array<{ name: string }>
    }
    for (const item of list.items ?? [])
      await fetch(`${env.gcsEndpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(item.name)}`, { method: "DELETE" })
    await fetch(`${env.gcsEndpoint}/storage/v1/b/${bucket}`, { method: "DELETE" })
  })
  const gcs = () =>
    ObjectStore.layerGcs.pipe(
      Layer.provide(
        ConfigProvider.layer(ConfigProvider.fromUnknown({ GCS_ENDPOINT: env.gcsEndpoint, GCS_BUCKET: bucket }))
      )
    )

  it.live("puts, gets, streams, lists page by page, deletes; a missing object is ObjectNotFound", () =>
    Effect.gen(function* () {
      const store = yield* ObjectStore
      assert.include(store.location, `gs://${bucket}`)
      const big = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251)
      yield* store.put("raw/pins/dt=2026-11-26/part-0-0-9.ndjson.gz", big, { contentType: "application/gzip" })
      for (const key of ["p/b", "p/a", "p/c/d", "q/a"]) yield* store.put(key, bytes(key))
      yield* store.put("p/a", bytes("replaced"))

      const got = yield* store.get("raw/pins/dt=2026-11-26/part-0-0-9.ndjson.gz")
      assert.isTrue(Buffer.from(got).equals(Buffer.from(big)), "gzip bytes come back as stored, not decompressed")
      const streamed = yield* Stream.runCollect(store.stream("raw/pins/dt=2026-11-26/part-0-0-9.ndjson.gz"))
      assert.isTrue(Buffer.concat(streamed.map((c) => Buffer.from(c))).equals(Buffer.from(big)))
      assert.strictEqual(new TextDecoder().decode(yield* store.get("p/a")), "replaced")

      const first = yield* store.list("p/", { pageSize: 2 })
      assert.deepStrictEqual(
        first.objects.map((o) => [o.key, o.size]),
        [
          ["p/a", 8],
          ["p/b", 3]
        ]
      )
      assert.isTrue(first.objects.every((o) => o.created > Date.parse("2020-01-01")))
      const all = yield* Stream.runCollect(listAll(store, "p/", 2))
      assert.deepStrictEqual(
        all.map((o) => o.key),
        ["p/a", "p/b", "p/c/d"]
      )

      yield* store.delete("p/b")
      yield* store.delete("p/b")
      assert.strictEqual((yield* store.get("p/b").pipe(Effect.flip))._tag, "ObjectNotFound")
      assert.strictEqual((yield* Stream.runDrain(store.stream("p/b")).pipe(Effect.flip))._tag, "ObjectNotFound")
    }).pipe(Effect.provide(gcs()))
  )
})
