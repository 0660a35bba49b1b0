/** `pinflow migrate`: applies the pending database migrations and exits (every program also runs them at start). */
import { Database } from "@pinflow/adapters/Database"
import { runMigrations } from "@pinflow/adapters/Migrations"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"

export const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function* () {
    const report = yield* runMigrations()
    yield* Console.log(
      report.applied.length === 0
        ? `database schema is current (version ${report.version})`
        : `applied migration${report.applied.length > 1 ? "s" : ""} ${report.applied.join(", ")}; schema version ${report.version}`
    )
  }).pipe(Effect.provide(Database.layer))
).pipe(
  Command.withDescription(
    `Create or update the Postgres tables (pins, pin_rejects, daily_category_stats, daily_tag_counts, batch_runs) in DATABASE_URL; safe to run while workers start (advisory lock). Migrations are also run by every program at start.`
  ),
  Command.withExamples([
    {
      command: "DATABASE_URL=postgres://pinflow:pinflow@127.0.0.1:5432/pinflow pinflow migrate",
      description: "Migrate the development database"
    }
  ])
)
