import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Database } from "../src/Database.ts"
import { EmbeddedDatabase, embeddedSharedBuffers } from "../src/EmbeddedDatabase.ts"

const query = <A>(run: () => Promise<A>) => Effect.promise(run)

describe("EmbeddedDatabase", () => {
  it.live(
    "runs with a small page cache, so its WebAssembly memory stops growing once the cache is full",
    () =>
      Effect.gen(function* () {
        const dir = join(mkdtempSync(join(tmpdir(), "pinflow-pglite-")), "pg")
        const shown = yield* Effect.gen(function* () {
          const { sql } = yield* Database
          return yield* query(() => sql<Array<{ shared_buffers: string }>>`show shared_buffers`)
        }).pipe(Effect.provide(EmbeddedDatabase.layer(dir)))
        assert.strictEqual(embeddedSharedBuffers, "32MB")
        assert.strictEqual(shown[0]?.shared_buffers, "32MB")
      }),
    60_000
  )

  it.live(
    "serves real Postgres SQL through the postgres client and keeps data across restarts",
    () =>
      Effect.gen(function* () {
        const dir = join(mkdtempSync(join(tmpdir(), "pinflow-pglite-")), "pg")
        yield* Effect.gen(function* () {
          const { sql, embedded } = yield* Database
          assert.isTrue(embedded)
          yield* query(() => sql`create table t (id text primary key, tags text[], n int)`)
          yield* query(
            () =>
              sql`insert into t select id, string_to_array(tags, chr(31)), n from unnest(${sql.array(["a", "b"])}::text[], ${sql.array(["x\u001fy", ""])}::text[], ${sql.array([1, 4])}::int[]) as u(id, tags, n)`
          )
          yield* query(() => sql.begin((tx) => [tx`update t set n = n + 1 where id = 'a'`]))
        }).pipe(Effect.provide(EmbeddedDatabase.layer(dir)))
        const rows = yield* Effect.gen(function* () {
          const { sql } = yield* Database
          return yield* query(
            () =>
              sql<
                Array<{ id: string; n: number; m: number; tags: Array<string> }>
              >`select id, n, tags, (select percentile_cont(0.5) within group (order by n) from t)::float8 as m from t order by id`
          )
        }).pipe(Effect.provide(EmbeddedDatabase.layer(dir)))
        assert.deepStrictEqual(
          rows.map((r) => [r.id, r.n, r.m, r.tags]),
          [
            ["a", 2, 3, ["x", "y"]],
            ["b", 4, 3, []]
          ]
        )
      }),
    60_000
  )
})
