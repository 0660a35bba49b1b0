// Smoke test of the GCS emulator (fake-gcs-server) through @google-cloud/storage (the client the product uses),
// configured as the product does: apiEndpoint = GCS_ENDPOINT plus a projectId, never STORAGE_EMULATOR_HOST.
import { gunzipSync, gzipSync } from "node:zlib"
import { Storage } from "@google-cloud/storage"
import { afterAll, expect, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"

describeIntegration("GCS emulator (npm run services)", ["gcs"], (env) => {
  const storage = new Storage({
    apiEndpoint: env.gcsEndpoint,
    projectId: "pinflow-test",
    retryOptions: { autoRetry: false }
  })
  const bucket = storage.bucket(env.gcsBucket)
  const prefix = `${uniqueName("smoke")}/`

  afterAll(async () => {
    await bucket.deleteFiles({ prefix, force: true }).catch(() => {})
  })

  it("uploads (single request) and lists with a prefix, page by page", async () => {
    const names = ["a", "b", "c", "d", "e"].map((n) => `${prefix}list/${n}.json`)
    for (const [i, name] of names.entries()) {
      await bucket
        .file(name)
        .save(Buffer.from(JSON.stringify({ i })), { resumable: false, contentType: "application/json" })
    }
    await bucket.file(`${prefix}other/x.json`).save("{}", { resumable: false })

    const [page1, next1] = await bucket.getFiles({ prefix: `${prefix}list/`, autoPaginate: false, maxResults: 2 })
    expect(page1.map((f) => f.name)).toEqual(names.slice(0, 2))
    expect(next1?.pageToken).toBeTypeOf("string")
    const [page2, next2] = await bucket.getFiles({ ...next1, autoPaginate: false })
    expect(page2.map((f) => f.name)).toEqual(names.slice(2, 4))
    const [page3, next3] = await bucket.getFiles({ ...next2, autoPaginate: false })
    expect(page3.map((f) => f.name)).toEqual(names.slice(4))
    expect(next3).toBeNull()

    const [all] = await bucket.getFiles({ prefix })
    expect(all.map((f) => f.name).sort()).toEqual([...names, `${prefix}other/x.json`].sort())
  })

  it("downloads with crc32c and md5 validation", async () => {
    const name = `${prefix}validated.ndjson`
    const body = Buffer.from('{"unique_id":"u1"}\n{"unique_id":"u2"}\n')
    await bucket.file(name).save(body, { resumable: false, contentType: "application/x-ndjson" })
    const [crc] = await bucket.file(name).download({ validation: "crc32c" })
    const [md5] = await bucket.file(name).download({ validation: "md5" })
    expect(crc.equals(body)).toBe(true)
    expect(md5.equals(body)).toBe(true)
    const [meta] = await bucket.file(name).getMetadata()
    expect(Number(meta.size)).toBe(body.length)
    expect(meta.contentType).toBe("application/x-ndjson")
  })

  it("round-trips a gzip object byte for byte", async () => {
    const name = `${prefix}raw/pins/dt=2026-01-02/part-0-0-1.ndjson.gz`
    const text = Array.from({ length: 100 }, (_, i) => JSON.stringify({ index: i, title: `t${i}` })).join("\n")
    const gz = gzipSync(Buffer.from(text))
    await bucket.file(name).save(gz, { resumable: false, contentType: "application/gzip" })
    const [back] = await bucket.file(name).download()
    expect(back.equals(gz)).toBe(true)
    expect(gunzipSync(back).toString()).toBe(text)
  })

  it("deletes objects", async () => {
    const name = `${prefix}doomed.json`
    await bucket.file(name).save("{}", { resumable: false })
    expect((await bucket.file(name).exists())[0]).toBe(true)
    await bucket.file(name).delete()
    expect((await bucket.file(name).exists())[0]).toBe(false)
    await expect(bucket.file(name).delete()).rejects.toMatchObject({ code: 404 })
  })
})
