/**
 * The embedded default behind `pinflow start` when `DATABASE_URL` is unset: PGlite (Postgres compiled to
 * WebAssembly) persisted in a folder, served on a loopback port by pglite-socket, and reached through the
 * same `postgres` client as a real server, so every query and migration is written once.
 * PGlite runs one session at a time (connections are serialised), and `COPY … FROM STDIN` does not work
 * through pglite-socket, hence `embedded: true` for the stores to pick their `unnest` write path.
 * The port is fixed (`PINFLOW_DB_PORT`, 5433) so that psql or `pinflow sql` can reach a running start; a
 * taken port falls back to a free one, said in one line. PGlite does not lock its folder, so a
 * `pinflow.pid` file does: a second process opening the same folder is refused instead of corrupting it.
 * PGlite and pglite-socket are imported when the database opens, not with this module: the programs on a
 * real PostgreSQL (the worker, the edge) never load the WebAssembly build.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { PGlite } from "@electric-sql/pglite"
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, type Layer } from "effect"
import postgres from "postgres"
import { awaitReachable, clientOptions, Database, DatabaseUnreachable, ensureSchema } from "./Database.ts"

/** `PINFLOW_DB_PORT`'s default: next to a real PostgreSQL's 5432. */
export const defaultEmbeddedPort = 5433

/** The URL psql or any PostgreSQL client connects with to the embedded database served on `port`. */
export const embeddedUrl = (port: number): string => `postgres://postgres@127.0.0.1:${port}/postgres`

export interface EmbeddedOptions {
  /** The loopback port to serve on (default 0: any free one; `pinflow start` passes PINFLOW_DB_PORT); a taken port falls back to a free one. */
  readonly port?: number
  /** `DATABASE_SCHEMA`: every table in this schema (created when missing). */
  readonly schema?: string
}

const message = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const startFailed = (dataDir: string) => (cause: unknown) =>
  new DatabaseUnreachable({
    message: `embedded PostgreSQL (PGlite) in ${dataDir} did not start: ${message(cause)}`,
    cause
  })

const lockFile = (dataDir: string) => join(dataDir, "pinflow.pid")

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    // EPERM: it exists but belongs to someone else
    return (cause as { readonly code?: unknown }).code === "EPERM"
  }
}

/** Another live process holding `dataDir`: its pid, and the port it serves on once it does. */
export interface EmbeddedHolder {
  readonly pid: number
  readonly port: number | undefined
}

/** The other live process holding `dataDir`, if any (`pinflow.pid`: its pid, then its port). */
export const embeddedHolder = (dataDir: string): EmbeddedHolder | undefined => {
  let lines: Array<string>
  try {
    lines = readFileSync(lockFile(dataDir), "utf8").split("\n")
  } catch {
    return undefined
  }
  const pid = Number(lines[0]?.trim())
  const port = Number(lines[1]?.trim())
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined
  return { pid, port: Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined }
}

/** Takes `dataDir` for this process (a stale file of a dead process is replaced), released with the scope. */
const holdFolder = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      yield* Effect.try({ try: () => mkdirSync(dataDir, { recursive: true }), catch: startFailed(dataDir) })
      const holder = embeddedHolder(dataDir)
      if (holder !== undefined) {
        const where = holder.port === undefined ? "" : ` at ${embeddedUrl(holder.port)}`
        return yield* new DatabaseUnreachable({
          message: `embedded PostgreSQL in ${dataDir} is in use by process ${holder.pid} (a running \`pinflow start\`?) — stop it, or while it runs reach its database${where} with \`pinflow sql\` or psql`
        })
      }
      yield* Effect.try({
        try: () => writeFileSync(lockFile(dataDir), `${process.pid}\n`),
        catch: startFailed(dataDir)
      })
    }),
    () =>
      Effect.sync(() => {
        try {
          if (readFileSync(lockFile(dataDir), "utf8").trim() === String(process.pid)) unlinkSync(lockFile(dataDir))
        } catch {
          // already gone: nothing to release
        }
      })
  )

const isAddressInUse = (cause: unknown) =>
  typeof cause === "object" && cause !== null && (cause as { readonly code?: unknown }).code === "EADDRINUSE"

/** Serves `db` on 127.0.0.1:`port`, or on a free port (with one warning line) when `port` is taken. */
const serve = (Server: typeof PGLiteSocketServer, db: PGlite, dataDir: string, port: number) => {
  const listen = (at: number) =>
    Effect.tryPromise({
      try: async () => {
        const server = new Server({ db, port: at, host: "127.0.0.1", maxConnections: 8 })
        await server.start()
        return server
      },
      catch: (cause) => cause
    })
  return Effect.acquireRelease(
    listen(port).pipe(
      Effect.catch((cause) =>
        isAddressInUse(cause) && port !== 0
          ? Effect.logWarning(
              `embedded database: port ${port} is taken, serving on a free port instead (set PINFLOW_DB_PORT to choose another)`
            ).pipe(Effect.andThen(listen(0)))
          : Effect.fail(cause)
      ),
      Effect.mapError(startFailed(dataDir))
    ),
    (server) => Effect.promise(() => server.stop())
  )
}

/**
 * The embedded server's page cache. PGlite's default (128 MB) lives in its WebAssembly memory, which grows as
 * pages are first used and never shrinks, so `pinflow start`'s RSS crept up for as long as new rows arrived;
 * 32 MB fills within the first minute of steady load, and the rest of the data stays in the OS page cache.
 */
export const embeddedSharedBuffers = "32MB"

/** Opens (or creates) the database in `dataDir` and serves it on 127.0.0.1. */
const acquire = (dataDir: string, options: EmbeddedOptions) =>
  Effect.gen(function* () {
    yield* holdFolder(dataDir)
    const [{ PGlite }, { PGLiteSocketServer }] = yield* Effect.promise(() =>
      Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite-socket")])
    )
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          PGlite.create(dataDir, {
            startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${embeddedSharedBuffers}`]
          }),
        catch: startFailed(dataDir)
      }),
      (db) => Effect.promise(() => db.close())
    )
    const server = yield* serve(PGLiteSocketServer, db, dataDir, options.port ?? 0)
    const [host = "127.0.0.1", port = "0"] = server.getServerConn().split(":")
    // where `pinflow sql` finds this process's database, even on a fallback port
    yield* Effect.try({
      try: () => writeFileSync(lockFile(dataDir), `${process.pid}\n${port}\n`),
      catch: startFailed(dataDir)
    })
    const sql = yield* Effect.acquireRelease(
      Effect.sync(() =>
        postgres({
          ...clientOptions(2, undefined, options.schema),
          host,
          port: Number(port),
          user: "postgres",
          database: "postgres"
        })
      ),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
    )
    yield* awaitReachable(sql, (cause) => startFailed(dataDir)(cause).message, "10 seconds")
    yield* ensureSchema(sql, options.schema, (cause) => startFailed(dataDir)(cause).message)
    const where = options.schema === undefined ? "" : ` schema ${options.schema}`
    return {
      sql,
      description: `embedded PGlite in ${dataDir} (${embeddedUrl(Number(port))}${where})`,
      embedded: true,
      url: embeddedUrl(Number(port)),
      ...(options.schema === undefined ? {} : { schema: options.schema })
    }
  })

export const EmbeddedDatabase = {
  /** A `Database` backed by PGlite persisted in `dataDir` (created when missing). */
  layer: (dataDir: string, options: EmbeddedOptions = {}): Layer.Layer<Database, DatabaseUnreachable> =>
    Database.layerFrom(acquire(dataDir, options))
}
