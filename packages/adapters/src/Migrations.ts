/**
 * Versioned schema migrations, recorded in `pinflow_migrations`. Every program runs them at start
 * (`Migrations.layer`) and `pinflow migrate` runs them alone. All pending migrations apply in one
 * transaction under `pg_advisory_xact_lock`, so workers starting together wait for each other and the
 * schema is never half-migrated. Add a migration as `migrations/NNNN_name.ts` plus a line in
 * `migrations/index.ts`; never edit one that was applied.
 */
import { Context, Data, Effect, Layer } from "effect"
import { Database } from "./Database.ts"
import { migrations as all } from "./migrations/index.ts"

export interface Migration {
  /** 1, 2, 3…: applied in this order, each once. */
  readonly version: number
  readonly name: string
  /** One or more SQL statements. */
  readonly sql: string
}

export class MigrationError extends Data.TaggedError("MigrationError")<{
  readonly version: number | null
  readonly cause: unknown
}> {
  override get message(): string {
    const what = this.version === null ? "migrations" : `migration ${this.version}`
    return `${what} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface MigrationReport {
  /** Versions applied by this call (empty when the schema was already current). */
  readonly applied: ReadonlyArray<number>
  /** The schema version now. */
  readonly version: number
}

/** "pinflow" in ASCII: the advisory lock every migrating process takes. */
const lockKey = 0x70696e666c6f77n

/** Applies the pending ones of `migrations` (sorted by version; duplicates are a programming error). */
export const runMigrations = Effect.fn("Migrations.run")(function* (migrations: ReadonlyArray<Migration> = all) {
  const { sql } = yield* Database
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  const duplicate = sorted.find((m, i) => i > 0 && sorted[i - 1]?.version === m.version)
  if (duplicate !== undefined) return yield* Effect.die(`duplicate migration version ${duplicate.version}`)
  let failing: number | null = null
  const applied = yield* Effect.tryPromise({
    try: () =>
      sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${lockKey.toString()}::bigint)`
        await tx`create table if not exists pinflow_migrations (
          version integer primary key, name text not null, applied_at timestamptz not null default now())`
        const done = new Set(
          (await tx<Array<{ version: number }>>`select version from pinflow_migrations`).map((r) => r.version)
        )
        const applied: Array<number> = []
        for (const m of sorted) {
          if (done.has(m.version)) continue
          failing = m.version
          await tx.unsafe(m.sql).simple()
          await tx`insert into pinflow_migrations (version, name) values (${m.version}, ${m.name})`
          applied.push(m.version)
        }
        failing = null
        return applied
      }),
    catch: (cause) => new MigrationError({ version: failing, cause })
  })
  const version = sorted.at(-1)?.version ?? 0
  if (applied.length > 0)
    yield* Effect.logInfo("database migrated").pipe(Effect.annotateLogs({ applied: applied.join(","), version }))
  return { applied, version } satisfies MigrationReport
})

/** The outcome of the migrations run when the Layer was built; depend on it to run after them. */
export class Migrations extends Context.Service<Migrations, MigrationReport>()("pinflow/adapters/Migrations") {
  /** Runs every migration of `migrations/index.ts` when built. */
  static readonly layer = Layer.effect(Migrations, runMigrations())
  static readonly layerWith = (migrations: ReadonlyArray<Migration>) =>
    Layer.effect(Migrations, runMigrations(migrations))
}
