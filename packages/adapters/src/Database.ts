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
}

/** `DATABASE_STATEMENT_TIMEOUT`: the default of `DatabaseOptions.statementTimeout`. */
const defaultStatementTimeout = Duration.seconds(60)

/** The URL with its password replaced by `***`. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "<unparseable URL>"
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
  statementTimeout?: Duration.Duration
): postgres.Options<Record<string, postgres.PostgresType>> => ({
  max,
  onnotice: () => undefined,
  transform: { undefined: null },
  connection: {
    application_name: "pinflow",
    ...(statementTimeout === undefined
      ? {}
      : { statement_timeout: Math.max(1, Math.round(Duration.toMillis(statementTimeout))) })
  }
})

/** Waits until `select 1` answers, retrying for `timeout`; the error names the last failure. */
export const awaitReachable = (sql: postgres.Sql, describe: (cause: unknown) => string, timeout: Duration.Input) =>
  Effect.suspend(() => {
    // postgres.js backs off between reconnects, so an attempt can hang: remember why the last one failed
    let last: unknown = new Error(`no answer within ${Duration.format(Duration.fromInputUnsafe(timeout))}`)
    return Effect.tryPromise({ try: () => sql`select 1`, catch: (cause) => cause }).pipe(
      Effect.tapError((cause) => Effect.sync(() => (last = cause))),
      Effect.retry(Schedule.spaced("500 millis")),
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(last) }),
      Effect.mapError((cause) => new DatabaseUnreachable({ message: describe(cause), cause })),
      Effect.asVoid
    )
  })

const causeText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

export class Database extends Context.Service<Database, DatabaseShape>()("pinflow/adapters/Database") {
  /** Connects to `url`; fails with `DatabaseUnreachable` when nothing answers within `connectTimeout`. */
  static readonly make = (url: Redacted.Redacted<string>, shown: string, options: DatabaseOptions = {}) =>
    Effect.gen(function* () {
      const raw = Redacted.value(url)
      const statementTimeout = Duration.fromInputUnsafe(options.statementTimeout ?? defaultStatementTimeout)
      const sql = yield* Effect.acquireRelease(
        Effect.try({
          try: () => postgres(raw, clientOptions(options.max ?? 4, statementTimeout)),
          catch: (cause) => new DatabaseUnreachable({ message: `${shown}: invalid URL (${causeText(cause)})`, cause })
        }),
        // after a failure nothing is worth waiting for; otherwise let queries in flight finish
        (sql, exit) => Effect.promise(() => sql.end({ timeout: Exit.isFailure(exit) ? 0 : 5 }))
      )
      const timeout = options.connectTimeout ?? Duration.seconds(10)
      yield* awaitReachable(
        sql,
        (cause) =>
          `${shown}: could not connect to ${hostPort(raw)} (${causeText(cause)}) — is PostgreSQL running? \`npm run services -- up\` starts one`,
        timeout
      )
      return Database.of({ sql, description: redactUrl(raw), embedded: false, statementTimeout })
    })

  /** Reads `DATABASE_URL` (required) and `DATABASE_STATEMENT_TIMEOUT` (default 60 seconds), and connects. */
  static readonly layerConfig = (options: DatabaseOptions = {}) =>
    Layer.effect(
      Database,
      Effect.gen(function* () {
        const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
        const statementTimeout = yield* Config.Duration("DATABASE_STATEMENT_TIMEOUT").pipe(
          Config.withDefault(Duration.fromInputUnsafe(options.statementTimeout ?? defaultStatementTimeout))
        )
        if (Option.isNone(url)) {
          return yield* new DatabaseUnreachable({
            message:
              "DATABASE_URL is not set — e.g. postgres://pinflow:pinflow@127.0.0.1:5432/pinflow (`npm run services -- env` prints it)"
          })
        }
        return yield* Database.make(url.value, `DATABASE_URL=${redactUrl(Redacted.value(url.value))}`, {
          ...options,
          statementTimeout
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
