/**
 * The embedded default behind `pinflow start` when `DATABASE_URL` is unset: PGlite (Postgres compiled to
 * WebAssembly) persisted in a folder, served on a loopback port by pglite-socket, and reached through the
 * same `postgres` client as a real server, so every query and migration is written once.
 * PGlite runs one session at a time (connections are serialised), and `COPY … FROM STDIN` does not work
 * through pglite-socket, hence `embedded: true` for the stores to pick their `unnest` write path.
 */
import { mkdirSync } from "node:fs"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, type Layer } from "effect"
import postgres from "postgres"
import { awaitReachable, clientOptions, Database, DatabaseUnreachable } from "./Database.ts"

const startFailed = (dataDir: string) => (cause: unknown) =>
  new DatabaseUnreachable({
    message: `embedded PostgreSQL (PGlite) in ${dataDir} did not start: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/** Opens (or creates) the database in `dataDir` and serves it on 127.0.0.1 at a free port. */
const acquire = (dataDir: string) =>
  Effect.gen(function* () {
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => {
          mkdirSync(dataDir, { recursive: true })
          return PGlite.create(dataDir)
        },
        catch: startFailed(dataDir)
      }),
      (db) => Effect.promise(() => db.close())
    )
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 })
          await server.start()
          return server
        },
        catch: startFailed(dataDir)
      }),
      (server) => Effect.promise(() => server.stop())
    )
    const [host = "127.0.0.1", port = "0"] = server.getServerConn().split(":")
    const sql = yield* Effect.acquireRelease(
      Effect.sync(() =>
        postgres({ ...clientOptions(2), host, port: Number(port), user: "postgres", database: "postgres" })
      ),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
    )
    yield* awaitReachable(sql, (cause) => startFailed(dataDir)(cause).message, "10 seconds")
    return { sql, description: `embedded PGlite in ${dataDir} (127.0.0.1:${port})`, embedded: true }
  })

export const EmbeddedDatabase = {
  /** A `Database` backed by PGlite persisted in `dataDir` (created when missing). */
  layer: (dataDir: string): Layer.Layer<Database, DatabaseUnreachable> => Database.layerFrom(acquire(dataDir))
}
