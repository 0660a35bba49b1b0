/**
 * The Postgres connection every program shares: a `postgres` (porsager) `Sql` client, closed when the
 * Layer's scope closes. `Database.layer` connects to `DATABASE_URL`; any other Layer can hand over its
 * own client through `Database.layerFrom` (e.g. an embedded PGlite behind pglite-socket).
 *
 *   const { sql } = yield* Database
 *   const rows = yield* Effect.tryPromise(() => sql`select count(*)::int as n from pins`)
 */

import { Config, Context, Data, Duration, Effect, Exit, Layer, Option, Redacted, Schedule } from "effect"
import postgres from "postgres"
import { sqlState } from "./DatabaseFailure.ts"

/** Postgres did not answer: the message names the URL (password hidden), the address and what to do. */
export class DatabaseUnreachable extends Data.TaggedError("DatabaseUnreachable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface DatabaseShape {
  /** The client: tagged-template queries, `sql.begin` transactions, `sql.array`, `sql.unsafe`. */
  readonly sql: postgres.Sql
  /** Where it points, safe to log ("postgres://pinflow:***@127.0.0.1:5432/pinflow", "embedded PGlite"). */
  readonly description: string
  /** True for a server that cannot `COPY … FROM STDIN` (PGlite over pglite-socket): use `unnest` writes. */
  readonly embedded: boolean
  /** The server-side limit of every statement (`DATABASE_STATEMENT_TIMEOUT`), when one is set. */
  readonly statementTimeout?: Duration.Duration
  /** The schema every table lives in (`DATABASE_SCHEMA`), when one is set; otherwise the server's search_path. */
  readonly schema?: string
  /** For the embedded database: the URL psql or `pinflow sql` connects with while this process serves it. */
  readonly url?: string
}

export interface DatabaseOptions {
  /** Connections in the pool (default 4). */
  readonly max?: number
  /** How long to keep trying at start before failing with `DatabaseUnreachable` (default 10 s). */
  readonly connectTimeout?: Duration.Input
  /**
   * Every statement's deadline on the server (`statement_timeout`, default 60 s), so a stuck statement
   * fails (SQLSTATE 57014) instead of holding its caller.
   */
  readonly statementTimeout?: Duration.Input
  /** Keep every table in this schema (created when missing): the session's `search_path`. */
  readonly schema?: string
}

/** `DATABASE_STATEMENT_TIMEOUT`: the default of `DatabaseOptions.statementTimeout`. */
const defaultStatementTimeout = Duration.seconds(60)

/** The URL with its password replaced by `***` (also in text that does not parse as a URL). */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.protocol === "postgres:" || parsed.protocol === "postgresql:") {
      if (parsed.password !== "") parsed.password = "***"
      return parsed.toString()
    }
  } catch {
    // not a URL: masked as text below
  }
  // "user:password@host…" with or without a scheme: whatever sits between the first ':' and '@'
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^:/@]*:)[^@]*@/i, "$1***@")
}

/** The form `DATABASE_URL` takes, for messages. */
export const exampleDatabaseUrl = "postgres://user:password@host:5432/database"

/**
 * Why `url` cannot be a PostgreSQL connection URL, or undefined when it can: checked before connecting,
 * since a malformed URL would otherwise surface as a retried connection failure.
 */
export const malformedUrlReason = (url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "not a URL"
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    return `the scheme is "${parsed.protocol.slice(0, -1)}", not postgres`
  if (parsed.hostname === "" && !parsed.searchParams.has("host")) return "no host"
  return undefined
}

/** SQLSTATEs that retrying cannot fix: the login was refused or the database does not exist. */
const refusedCodes = new Set(["28P01", "28000", "3D000"])

/** The fix for a refused connection (`refusedCodes`), or undefined for any other failure. */
const refusalHint = (cause: unknown): string | undefined => {
  switch (sqlState(cause)) {
    case "28P01":
    case "28000":
      return "check the user and password in DATABASE_URL (`npm run services -- env` prints the development one)"
    case "3D000":
      return "create that database (CREATE DATABASE …) or fix its name at the end of DATABASE_URL"
    default:
      return undefined
  }
}

const hostPort = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}`
  } catch {
    return "?"
  }
}

/**
 * Client options shared by every Layer: quiet notices, `undefined` sent as NULL, bigint/numeric kept as
 * strings; `statementTimeout` becomes the session's `statement_timeout` (a startup parameter: no round trip).
 */
export const clientOptions = (
  max: number,
  statementTimeout?: Duration.Duration,
  schema?: string
): postgres.Options<Record<string, postgres.PostgresType>> => ({
  max,
  onnotice: () => undefined,
  transform: { undefined: null },
  connection: {
    application_name: "pinflow",
    ...(statementTimeout === undefined
      ? {}
      : { statement_timeout: Math.max(1, Math.round(Duration.toMillis(statementTimeout))) }),
    // only this schema: unqualified names never fall back to another one's tables
    ...(schema === undefined ? {} : { search_path: quoteIdentifier(schema) })
  }
})

/** A name as a SQL identifier, quoted ("a""b"). */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** Creates `schema` when missing (the session's search_path already names it). */
export const ensureSchema = (sql: postgres.Sql, schema: string | undefined, describe: (cause: unknown) => string) =>
  schema === undefined
    ? Effect.void
    : Effect.tryPromise({
        try: () => sql.unsafe(`create schema if not exists ${quoteIdentifier(schema)}`),
        catch: (cause) => new DatabaseUnreachable({ message: describe(cause), cause })
      }).pipe(Effect.asVoid)

/**
 * Waits until `select 1` answers, retrying for `timeout`; the error names the last failure. A refused
 * login or a missing database (`refusedCodes`) fails at once: waiting cannot fix either.
 */
export const awaitReachable = (sql: postgres.Sql, describe: (cause: unknown) => string, timeout: Duration.Input) =>
  Effect.suspend(() => {
    // postgres.js backs off between reconnects, so an attempt can hang: remember why the last one failed
    let last: unknown = new Error(`no answer within ${Duration.format(Duration.fromInputUnsafe(timeout))}`)
    return Effect.tryPromise({ try: () => sql`select 1`, catch: (cause) => cause }).pipe(
      Effect.tapError((cause) => Effect.sync(() => (last = cause))),
      Effect.retry({
        schedule: Schedule.spaced("500 millis"),
        while: (cause) => !refusedCodes.has(sqlState(cause) ?? "")
      }),
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(last) }),
      Effect.mapError((cause) => new DatabaseUnreachable({ message: describe(cause), cause })),
      Effect.asVoid
    )
  })

const causeText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** `DATABASE_SCHEMA`: the schema of every table, migration and query (created when missing); unset = search_path. */
export const DatabaseSchemaConfig = Config.option(
  Config.NonEmptyString("DATABASE_SCHEMA").pipe(Config.map((s) => s.trim()))
)

export class Database extends Context.Service<Database, DatabaseShape>()("pinflow/adapters/Database") {
  /** Connects to `url`; fails with `DatabaseUnreachable` when nothing answers within `connectTimeout`. */
  static readonly make = (url: Redacted.Redacted<string>, shown: string, options: DatabaseOptions = {}) =>
    Effect.gen(function* () {
      const raw = Redacted.value(url)
      const statementTimeout = Duration.fromInputUnsafe(options.statementTimeout ?? defaultStatementTimeout)
      const malformed = malformedUrlReason(raw)
      if (malformed !== undefined) {
        return yield* new DatabaseUnreachable({
          message: `${shown} is not a PostgreSQL URL (${malformed}) — expected the form ${exampleDatabaseUrl}`
        })
      }
      const sql = yield* Effect.acquireRelease(
        Effect.try({
          try: () => postgres(raw, clientOptions(options.max ?? 4, statementTimeout, options.schema)),
          catch: (cause) =>
            new DatabaseUnreachable({
              message: `${shown} is not a PostgreSQL URL (${causeText(cause)}) — expected the form ${exampleDatabaseUrl}`,
              cause
            })
        }),
        // after a failure nothing is worth waiting for; otherwise let queries in flight finish
        (sql, exit) => Effect.promise(() => sql.end({ timeout: Exit.isFailure(exit) ? 0 : 5 }))
      )
      const timeout = options.connectTimeout ?? Duration.seconds(10)
      yield* awaitReachable(
        sql,
        (cause) => {
          const hint = refusalHint(cause)
          return hint === undefined
            ? `${shown}: could not connect to ${hostPort(raw)} (${causeText(cause)}) — is PostgreSQL running? \`npm run services -- up\` starts one`
            : `${shown}: ${causeText(cause)} — ${hint}`
        },
        timeout
      )
      yield* ensureSchema(
        sql,
        options.schema,
        (cause) => `${shown}: could not create schema DATABASE_SCHEMA=${options.schema} (${causeText(cause)})`
      )
      return Database.of({
        sql,
        description: options.schema === undefined ? redactUrl(raw) : `${redactUrl(raw)} schema ${options.schema}`,
        embedded: false,
        statementTimeout,
        ...(options.schema === undefined ? {} : { schema: options.schema })
      })
    })

  /**
   * Reads `DATABASE_URL` (required), `DATABASE_STATEMENT_TIMEOUT` (default 60 seconds) and `DATABASE_SCHEMA`
   * (default unset: the server's search_path, normally `public`), and connects.
   */
  static readonly layerConfig = (options: DatabaseOptions = {}) =>
    Layer.effect(
      Database,
      Effect.gen(function* () {
        const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
        const statementTimeout = yield* Config.Duration("DATABASE_STATEMENT_TIMEOUT").pipe(
          Config.withDefault(Duration.fromInputUnsafe(options.statementTimeout ?? defaultStatementTimeout))
        )
        const schema = yield* DatabaseSchemaConfig
        if (Option.isNone(url)) {
          return yield* new DatabaseUnreachable({
            message:
              "DATABASE_URL is not set — e.g. postgres://pinflow:pinflow@127.0.0.1:5432/pinflow (`npm run services -- env` prints it)"
          })
        }
        return yield* Database.make(url.value, `DATABASE_URL=${redactUrl(Redacted.value(url.value))}`, {
          ...options,
          statementTimeout,
          ...(Option.isSome(schema) ? { schema: schema.value } : {})
        })
      })
    )

  static readonly layer = Database.layerConfig()

  /**
   * A Database from a client built elsewhere (the acquiring effect owns its release), e.g. the embedded
   * PGlite behind pglite-socket: `Database.layerFrom(Effect.gen(function* () { …; return { sql, description, embedded: true } }))`.
   */
  static readonly layerFrom = <E, R>(acquire: Effect.Effect<DatabaseShape, E, R>) =>
    Layer.effect(
      Database,
      Effect.map(acquire, (shape) => Database.of(shape))
    )
}
