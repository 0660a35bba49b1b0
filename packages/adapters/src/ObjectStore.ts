/**
 * The object-store port (the batch program's archive): put and get bytes, stream an object, list keys
 * under a prefix page by page, delete. Backends: Google Cloud Storage (or an emulator such as
 * fake-gcs-server), a local folder (the embedded default) and memory (tests).
 *
 *   const store = yield* ObjectStore
 *   yield* store.put("raw/pins/dt=2026-11-26/part-0-0-99.ndjson.gz", bytes, { contentType: "application/gzip" })
 *   yield* store.listAll("raw/pins/dt=2026-11-26/").pipe(Stream.runForEach(...))
 */
import { Config, Context, Effect, Layer, Option, Stream } from "effect"
import { makeGcs } from "./ObjectStore/Gcs.ts"
import { makeLocalFolder } from "./ObjectStore/LocalFolder.ts"
import { makeMemory } from "./ObjectStore/Memory.ts"
import type { ObjectNotFound, ObjectStoreError } from "./ObjectStore/ObjectStoreError.ts"

export { ObjectNotFound, ObjectStoreError } from "./ObjectStore/ObjectStoreError.ts"

/** One listed object. */
export interface ObjectInfo {
  readonly key: string
  readonly size: number
  /** When the object was written, epoch milliseconds. */
  readonly created: number
}

/** One page of a listing, in key order; `nextPageToken` is absent on the last page. */
export interface ObjectPage {
  readonly objects: ReadonlyArray<ObjectInfo>
  readonly nextPageToken?: string
}

export interface ListOptions {
  readonly pageToken?: string
  /** At most this many objects per page (default 1000, GCS's maximum). */
  readonly pageSize?: number
}

export interface PutOptions {
  readonly contentType?: string
}

export interface ObjectStoreApi {
  /** Where the objects live, for logs: `gs://bucket`, `file:///abs/dir`, `memory:`. */
  readonly location: string
  /** Writes the whole object, replacing any object with the same key (readers never see half of it). */
  readonly put: (key: string, body: Uint8Array, options?: PutOptions) => Effect.Effect<void, ObjectStoreError>
  readonly get: (key: string) => Effect.Effect<Uint8Array, ObjectStoreError | ObjectNotFound>
  /** Reads an object as a stream of byte chunks, without holding it in memory. */
  readonly stream: (key: string) => Stream.Stream<Uint8Array, ObjectStoreError | ObjectNotFound>
  /** One page of the objects whose key starts with `prefix`, in key order. */
  readonly list: (prefix: string, options?: ListOptions) => Effect.Effect<ObjectPage, ObjectStoreError>
  /** Deletes an object; deleting a missing object succeeds (deletes are retried). */
  readonly delete: (key: string) => Effect.Effect<void, ObjectStoreError>
}

/** Every object under `prefix`, page after page, in key order. */
export const listAll = (
  store: ObjectStoreApi,
  prefix: string,
  pageSize?: number
): Stream.Stream<ObjectInfo, ObjectStoreError> =>
  Stream.paginate(undefined as string | undefined, (pageToken) =>
    store
      .list(prefix, {
        ...(pageToken === undefined ? {} : { pageToken }),
        ...(pageSize === undefined ? {} : { pageSize })
      })
      .pipe(Effect.map((page) => [page.objects, Option.fromNullishOr(page.nextPageToken)] as const))
  )

export class ObjectStore extends Context.Service<ObjectStore, ObjectStoreApi>()("pinflow/adapters/ObjectStore") {
  /**
   * Google Cloud Storage, bucket `GCS_BUCKET`. With `GCS_ENDPOINT` (an emulator's base URL such as
   * `http://127.0.0.1:4443`) requests go there unauthenticated; unset, the library's usual credential
   * discovery applies. `GCS_PROJECT_ID` is optional.
   */
  static readonly layerGcs = Layer.effect(
    ObjectStore,
    Effect.gen(function* () {
      const bucket = yield* Config.NonEmptyString("GCS_BUCKET")
      const endpoint = yield* Config.option(Config.NonEmptyString("GCS_ENDPOINT"))
      const projectId = yield* Config.option(Config.NonEmptyString("GCS_PROJECT_ID"))
      const emulatorHost = yield* Config.option(Config.String("STORAGE_EMULATOR_HOST"))
      if (Option.isSome(endpoint) && Option.isSome(emulatorHost)) {
        // The client would send metadata calls to STORAGE_EMULATOR_HOST verbatim (services-recipes.md B3.2).
        return yield* Effect.die(
          new Error("STORAGE_EMULATOR_HOST is set and would override GCS_ENDPOINT: unset STORAGE_EMULATOR_HOST")
        )
      }
      const store = yield* makeGcs({
        bucket,
        endpoint: Option.getOrUndefined(endpoint),
        projectId: Option.getOrUndefined(projectId)
      })
      return ObjectStore.of(store)
    })
  )

  /** A folder on disk (`root`, created when missing); writes go to a temporary file renamed into place. */
  static readonly layerLocalFolder = (root: string) =>
    Layer.effect(ObjectStore, makeLocalFolder(root).pipe(Effect.map(ObjectStore.of)))

  /** In-process objects, for tests; a fresh store per Layer build. */
  static readonly layerMemory = Layer.sync(ObjectStore, () => ObjectStore.of(makeMemory()))

  /**
   * GCS when `GCS_BUCKET` is set, otherwise the local folder `OBJECT_STORE_DIR`, by default
   * `$PINFLOW_HOME/bucket` (`./.pinflow/bucket`): the folder `pinflow start` archives to.
   */
  static readonly layer: Layer.Layer<ObjectStore, Config.ConfigError | ObjectStoreError> = Layer.unwrap(
    Effect.gen(function* (): Effect.fn.Return<
      Layer.Layer<ObjectStore, Config.ConfigError | ObjectStoreError>,
      Config.ConfigError
    > {
      const bucket = yield* Config.option(Config.NonEmptyString("GCS_BUCKET"))
      if (Option.isSome(bucket)) return ObjectStore.layerGcs
      const home = yield* Config.NonEmptyString("PINFLOW_HOME").pipe(Config.withDefault(".pinflow"))
      const dir = yield* Config.NonEmptyString("OBJECT_STORE_DIR").pipe(Config.withDefault(`${home}/bucket`))
      return ObjectStore.layerLocalFolder(dir)
    })
  )
}
