/**
 * Test isolation for Postgres: a fresh schema per test file, reached through a `DATABASE_URL` whose
 * `search_path` points at it (postgres.js passes unknown URL parameters as connection parameters).
 */
import { ConfigProvider, Effect, Layer } from "effect"
import postgres from "postgres"
import { Database } from "../src/Database.ts"
import { Migrations } from "../src/Migrations.ts"

/** Creates schema `name` in the database of `url` and returns a URL whose sessions use it. */
export const createSchema = async (url: string, name: string): Promise<string> => {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    await sql.unsafe(`create schema if not exists "${name}"`)
  } finally {
    await sql.end({ timeout: 5 })
  }
  const scoped = new URL(url)
  scoped.searchParams.set("search_path", name)
  return scoped.toString()
}

export const dropSchema = async (url: string, name: string): Promise<void> => {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    await sql.unsafe(`drop schema if exists "${name}" cascade`)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Database (migrated) on `url`, with `DATABASE_URL` set to it for Layers that read config. */
export const migratedDatabase = (url: string) =>
  Migrations.layer.pipe(
    Layer.provideMerge(Database.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url })))
  )

/** Runs one query on the Database. */
export const query = <A>(f: (sql: postgres.Sql) => Promise<A>) =>
  Effect.flatMap(Database, ({ sql }) => Effect.promise(() => f(sql)))
