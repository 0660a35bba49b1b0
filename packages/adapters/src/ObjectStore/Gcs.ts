/**
 * The object store on Google Cloud Storage through `@google-cloud/storage`. With an endpoint (an emulator
 * such as fake-gcs-server) the client talks to it without credentials; without, the library finds
 * credentials as usual (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server). Uploads are single
 * requests (`resumable: false`): pinflow's objects are bounded in size, and an upload either lands whole
 * or not at all. The library (~100 modules, tens of MB) is imported when a store is made, not with this
 * module: programs without an archive (the edge, the worker) never load it.
 */
import { PassThrough } from "node:stream"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type { StorageOptions } from "@google-cloud/storage"
import { Effect, Stream } from "effect"
import type { ObjectInfo, ObjectStoreApi } from "../ObjectStore.ts"
import { ignoreProcessWarnings, type WarningFilter } from "../ProcessWarnings.ts"
import { invalidKey, ObjectNotFound, ObjectStoreError } from "./ObjectStoreError.ts"

export interface GcsOptions {
  readonly bucket: string
  /** An emulator's base URL with its scheme, e.g. `http://127.0.0.1:4443`; undefined = real GCS. */
  readonly endpoint: string | undefined
  readonly projectId: string | undefined
}

const defaultPageSize = 1000

/**
 * Every download through @google-cloud/storage 8.4 (teeny-request 11) puts 11 `error` and `close` listeners
 * on its internal PassThrough, one over Node's default of 10: Node then warns of a leak on each object
 * read. It is a fixed count per request, not a leak, so exactly that warning is dropped.
 */
const isDownloadListenerWarning: WarningFilter = (warning) => {
  const w = warning as { name?: unknown; emitter?: unknown; count?: unknown }
  return w.name === "MaxListenersExceededWarning" && w.emitter instanceof PassThrough && w.count === 11
}

/** The cause of an `ObjectStoreError` when the bucket itself does not exist (a setting to fix, not an outage). */
export class BucketMissing extends Error {}

/** Whether an object-store failure is a missing bucket. */
export const isBucketMissing = (error: ObjectStoreError): boolean => error.cause instanceof BucketMissing

const isNotFound = (cause: unknown) => (cause as { code?: unknown } | null)?.code === 404

export const makeGcs = Effect.fn("ObjectStore.makeGcs")(function* (options: GcsOptions) {
  const { IdempotencyStrategy, Storage } = yield* Effect.promise(() => import("@google-cloud/storage"))
  ignoreProcessWarnings("@google-cloud/storage download listeners", isDownloadListenerWarning)
  const storageOptions: StorageOptions = {
    // Every pinflow write is an idempotent overwrite of a deterministic name, so retrying is safe; bounded so
    // that an outage fails the run (which the scheduler retries) rather than hanging for the default 10 min.
    retryOptions: {
      autoRetry: true,
      maxRetries: 3,
      maxRetryDelay: 8,
      totalTimeout: 60,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways
    },
    ...(options.endpoint === undefined
      ? {}
      : { apiEndpoint: options.endpoint.replace(/\/+$/, ""), projectId: options.projectId ?? "pinflow" }),
    ...(options.endpoint === undefined && options.projectId !== undefined ? { projectId: options.projectId } : {})
  }
  const bucket = new Storage(storageOptions).bucket(options.bucket)
  const checked = (operation: ObjectStoreError["operation"], key: string) => {
    const problem = invalidKey(key)
    return problem === undefined
      ? Effect.void
      : Effect.fail(new ObjectStoreError({ operation, key, cause: new Error(problem) }))
  }
  const where = options.endpoint === undefined ? "on GCS" : `at ${options.endpoint}`
  // A listing or an upload answers 404 only when the bucket itself is missing: say which setting names it.
  const missingBucket = new BucketMissing(
    `GCS_BUCKET=${options.bucket}: no such bucket ${where} — create it, or set GCS_BUCKET to an existing bucket (unset: the local folder .pinflow/bucket)`
  )
  const attempt = <A>(operation: ObjectStoreError["operation"], key: string, f: () => Promise<A>) =>
    Effect.tryPromise({
      try: f,
      catch: (cause) =>
        new ObjectStoreError({
          operation,
          key,
          cause: (operation === "list" || operation === "put") && isNotFound(cause) ? missingBucket : cause
        })
    })

  const store: ObjectStoreApi = {
    location: `gs://${options.bucket}${options.endpoint === undefined ? "" : ` at ${options.endpoint}`}`,
    put: (key, body, putOptions) =>
      checked("put", key).pipe(
        Effect.andThen(
          attempt("put", key, () =>
            bucket.file(key).save(Buffer.from(body.buffer, body.byteOffset, body.byteLength), {
              resumable: false,
              contentType: putOptions?.contentType ?? "application/octet-stream"
            })
          )
        )
      ),
    get: (key) =>
      checked("get", key).pipe(
        Effect.andThen(
          Effect.tryPromise({
            try: () => bucket.file(key).download(),
            catch: (cause) =>
              isNotFound(cause) ? new ObjectNotFound({ key }) : new ObjectStoreError({ operation: "get", key, cause })
          })
        ),
        Effect.map(([buffer]) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength))
      ),
    stream: (key) =>
      Stream.unwrap(
        checked("stream", key).pipe(
          Effect.as(
            NodeStream.fromReadable<Uint8Array, ObjectStoreError | ObjectNotFound>({
              evaluate: () => bucket.file(key).createReadStream(),
              onError: (cause) =>
                isNotFound(cause)
                  ? new ObjectNotFound({ key })
                  : new ObjectStoreError({ operation: "stream", key, cause })
            })
          )
        )
      ),
    list: (prefix, listOptions) =>
      attempt("list", prefix, () =>
        bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: Math.max(1, listOptions?.pageSize ?? defaultPageSize),
          ...(listOptions?.pageToken === undefined ? {} : { pageToken: listOptions.pageToken })
        })
      ).pipe(
        Effect.map(([files, nextQuery]) => {
          const objects = files.map(
            (file): ObjectInfo => ({
              key: file.name,
              size: Number(file.metadata.size ?? 0),
              created: Date.parse(String(file.metadata.timeCreated ?? file.metadata.updated ?? "")) || 0
            })
          )
          const token = (nextQuery as { pageToken?: unknown } | null | undefined)?.pageToken
          return typeof token === "string" && token.length > 0 ? { objects, nextPageToken: token } : { objects }
        })
      ),
    delete: (key) =>
      checked("delete", key).pipe(
        Effect.andThen(attempt("delete", key, () => bucket.file(key).delete({ ignoreNotFound: true })))
      )
  }
  return store
})
