import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import { Clock, ConfigProvider, Effect, Layer } from "effect"
import * as fc from "fast-check"
import postgres from "postgres"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { Database } from "../src/Database.ts"
import { Migrations } from "../src/Migrations.ts"
import { type PinRow, PinStore, type RejectRow, type WriteMethod } from "../src/PinStore.ts"
import { createSchema, dropSchema, migratedDatabase, query } from "./DatabaseSchema.ts"

const pin = (id: string, overrides: Partial<PinRow> = {}): PinRow => ({
  unique_id: id,
  index: 7,
  title: "Title",
  description: null,
  follower_count: 7000,
  tags: ["a", 'quote " and \\ backslash', "ümlaut, comma"],
  media_type: "image",
  image_src: null,
  downloaded: true,
  save_location: "/data/art",
  category: "art",
  ingested_at: "2026-11-26T10:00:00.000Z",
  topic: "pins",
  partition: 0,
  offset: 1,
  ...overrides
})

const reject = (offset: number, overrides: Partial<RejectRow> = {}): RejectRow => ({
  reason: "empty_pin",
  detail: "title and description are both empty or placeholders",
  unique_id: `r${offset}`,
  raw: '{"unique_id":"r"}',
  source: "stream",
  topic: "pins",
  partition: 1,
  offset,
  rejected_at: "2026-11-26T10:00:01.000Z",
  ...overrides
})

interface StoredPin {
  unique_id: string
  pin_index: string
  title: string | null
  tags: Array<string>
  downloaded: boolean
  follower_count: string | null
  ingested_at: Date
  offset: string
}

const storedPins = query(
  (sql) =>
    sql<
      Array<StoredPin>
    >`select unique_id, pin_index, title, tags, downloaded, follower_count, ingested_at, "offset" from pins order by unique_id`
)

describeIntegration("PinStore on PostgreSQL", ["postgres"], (env) => {
  const schema = uniqueName("pinstore", "_")
  let url = ""
  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
  })
  afterAll(() => dropSchema(env.databaseUrl, schema))

  for (const method of ["unnest", "copy"] as const satisfies ReadonlyArray<WriteMethod>) {
    const run = <A, E>(effect: Effect.Effect<A, E, PinStore | import("../src/Database.ts").Database>) =>
      Effect.gen(function* () {
        yield* query((sql) => sql`truncate pins, pin_rejects`)
        return yield* effect
      }).pipe(Effect.provide(PinStore.layerMethod(method).pipe(Layer.provideMerge(migratedDatabase(url)))))

    it.live(`${method}: stores pins and rejects exactly, one row per id, the last version of a batch`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const result = yield* store.writeBatch({
            pins: [
              pin("b", { title: "first" }),
              pin("a", { tags: [], downloaded: false }),
              pin("b", { title: "last", offset: 2 })
            ],
            rejects: [
              reject(10),
              reject(11, { raw: "not json \u0000 nul", unique_id: null, source: "ingest" }),
              reject(12, { unique_id: "id\u0000nul", source: "ingest" })
            ]
          })
          assert.deepStrictEqual(result, { pins: 2, events: 0, rejects: 3, byType: { pin: { rows: 2, rejects: 3 } } })
          const rows = yield* storedPins
          assert.deepStrictEqual(
            rows.map((r) => [r.unique_id, r.pin_index, r.title, r.tags, r.downloaded, r.follower_count, r.offset]),
            [
              ["a", "7", "Title", [], false, "7000", "1"],
              ["b", "7", "last", ["a", 'quote " and \\ backslash', "ümlaut, comma"], true, "7000", "2"]
            ]
          )
          assert.strictEqual(rows[0]?.ingested_at.toISOString(), "2026-11-26T10:00:00.000Z")
          const rejects = yield* query(
            (sql) => sql`select reason, unique_id, raw, source, "offset" from pin_rejects order by "offset"`
          )
          assert.deepStrictEqual(
            rejects.map((r) => [r.reason, r.unique_id, r.raw, r.source, r.offset]),
            [
              ["empty_pin", "r10", '{"unique_id":"r"}', "stream", "10"],
              ["empty_pin", null, "not json \\u0000 nul", "ingest", "11"],
              ["empty_pin", "id\\u0000nul", '{"unique_id":"r"}', "ingest", "12"]
            ]
          )
        })
      )
    )

    it.live(`${method}: replays are harmless and never bring back an older version`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const v1 = pin("x", { title: "v1", offset: 5 })
          const v2 = pin("x", { title: "v2", offset: 9 })
          yield* store.writeBatch({ pins: [v1], rejects: [reject(1)] })
          yield* store.writeBatch({ pins: [v2], rejects: [reject(1)] })
          const replay = yield* store.writeBatch({ pins: [v1], rejects: [reject(1)] })
          assert.deepStrictEqual(replay, { pins: 0, events: 0, rejects: 0, byType: {} })
          const later = pin("x", { title: "v3", ingested_at: "2026-11-26T11:00:00.000Z", offset: 0 })
          assert.deepStrictEqual(yield* store.writeBatch({ pins: [later], rejects: [] }), {
            pins: 1,
            events: 0,
            rejects: 0,
            byType: { pin: { rows: 1, rejects: 0 } }
          })
          assert.deepStrictEqual(
            (yield* storedPins).map((r) => r.title),
            ["v3"]
          )
          const n = yield* query((sql) => sql`select count(*)::int as n from pin_rejects`)
          assert.strictEqual(n[0]?.n, 1)
        })
      )
    )

    it.live(`${method}: a refused value fails the whole batch as a data error and stores nothing`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const error = yield* store
            .writeBatch({ pins: [pin("ok"), pin("bad", { title: "nul \u0000 inside" })], rejects: [reject(3)] })
            .pipe(Effect.flip)
          assert.isFalse(error.connectivity)
          assert.deepStrictEqual([...(yield* storedPins)], [])
        })
      )
    )

    it.live(`${method}: ids that differ only in lone surrogates are one row, the later version, in one batch`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const result = yield* store.writeBatch({
            pins: [
              pin("s\uD800", { title: "later", ingested_at: "2026-11-26T10:00:05.000Z", offset: 1 }),
              pin("s\uDFFF", { title: "earlier", ingested_at: "2026-11-26T10:00:00.000Z", offset: 2 }),
              pin("t", { offset: 3 })
            ],
            rejects: []
          })
          assert.deepStrictEqual(result, { pins: 2, events: 0, rejects: 0, byType: { pin: { rows: 2, rejects: 0 } } })
          assert.deepStrictEqual(
            (yield* storedPins).map((r) => [r.unique_id, r.title, r.offset]),
            [
              ["s\uFFFD", "later", "1"],
              ["t", "Title", "3"]
            ]
          )
        })
      )
    )

    it.live(`${method}: a value Postgres refuses fails fast as a non-connectivity error, pins and rejects alike`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const refused = [
            { pins: [pin("ok"), pin("month 13", { ingested_at: "2026-13-45T10:00:00.000Z" })], rejects: [] },
            { pins: [pin("ok"), pin("feb 30", { ingested_at: "2026-02-30T10:00:00.000Z" })], rejects: [] },
            { pins: [pin("ok"), pin("year 0", { ingested_at: "0000-01-01T00:00:00.000Z" })], rejects: [] },
            { pins: [], rejects: [reject(1), reject(2, { rejected_at: "0000-06-01T00:00:00.000Z" })] }
          ]
          for (const batch of refused) {
            const error = yield* store.writeBatch(batch).pipe(Effect.timeout("10 seconds"), Effect.flip)
            assert.strictEqual(error._tag, "PinStoreError", JSON.stringify(batch.pins.map((p) => p.unique_id)))
            if (error._tag === "PinStoreError") assert.isFalse(error.connectivity)
          }
          assert.deepStrictEqual([...(yield* storedPins)], [])
          const n = yield* query((sql) => sql`select count(*)::int as n from pin_rejects`)
          assert.strictEqual(n[0]?.n, 0)
        })
      )
    )

    it.live(`${method}: any text (quotes, backslashes, braces, commas, unicode, NULL) is stored as given`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const text = fc.string({ unit: "binary" }).map((t) => t.replaceAll("\u0000", ""))
          const pins = fc
            .sample(
              fc.record({
                title: fc.option(text, { nil: null }),
                description: fc.option(text, { nil: null }),
                tags: fc.array(text, { maxLength: 5 }),
                save_location: text,
                category: fc.option(text, { nil: null })
              }),
              { numRuns: 300, seed: 42 }
            )
            .map((fields, i) => pin(`t${i}`, { ...fields, offset: i }))
          assert.deepStrictEqual(yield* store.writeBatch({ pins, rejects: [] }), {
            pins: 300,
            events: 0,
            rejects: 0,
            byType: { pin: { rows: 300, rejects: 0 } }
          })
          const rows = yield* query(
            (sql) =>
              sql`select unique_id, title, description, tags, save_location, category from pins order by "offset"`
          )
          assert.deepStrictEqual(
            rows.map((r) => ({ ...r })),
            pins.map((p) => ({
              unique_id: p.unique_id,
              title: p.title,
              description: p.description,
              tags: [...p.tags],
              save_location: p.save_location,
              category: p.category
            }))
          )
        })
      )
    )

    it.live(`${method}: a batch far above the 65,535 bind-parameter limit`, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PinStore
          const pins = Array.from({ length: 20_000 }, (_, i) => pin(`p${i}`, { offset: i }))
          assert.deepStrictEqual(yield* store.writeBatch({ pins, rejects: [] }), {
            pins: 20_000,
            events: 0,
            rejects: 0,
            byType: { pin: { rows: 20_000, rejects: 0 } }
          })
          const n = yield* query((sql) => sql`select count(*)::int as n from pins`)
          assert.strictEqual(n[0]?.n, 20_000)
        })
      )
    )
  }

  it.live(
    "every statement has a deadline: a write held by a lock fails as a connectivity error after statement_timeout",
    () =>
      Effect.gen(function* () {
        const store = yield* PinStore
        const { sql } = yield* Database
        const shown = yield* Effect.promise(() => sql`show statement_timeout`)
        assert.strictEqual(shown[0]?.statement_timeout, "300ms")
        yield* Effect.acquireUseRelease(
          // another session holds the table: the upsert waits for its lock
          Effect.promise(async () => {
            const other = postgres(url, { max: 1, onnotice: () => undefined })
            const locked = Promise.withResolvers<void>()
            const released = Promise.withResolvers<void>()
            const tx = other.begin(async (t) => {
              await t`lock table pins in access exclusive mode`
              locked.resolve()
              await released.promise
            })
            await locked.promise
            return { other, tx, release: released.resolve }
          }),
          () =>
            Effect.gen(function* () {
              const started = yield* Clock.currentTimeMillis
              const error = yield* store.writeBatch({ pins: [pin("waits")], rejects: [] }).pipe(Effect.flip)
              const elapsed = (yield* Clock.currentTimeMillis) - started
              assert.isTrue(error.connectivity)
              assert.strictEqual((error.cause as { code?: string }).code, "57014")
              assert.isAtLeast(elapsed, 300)
              assert.isBelow(elapsed, 5000)
            }),
          ({ other, tx, release }) =>
            Effect.promise(async () => {
              release()
              await tx
              await other.end({ timeout: 1 })
            })
        )
      }).pipe(
        Effect.provide(
          PinStore.layerMethod("unnest").pipe(
            Layer.provideMerge(
              Migrations.layer.pipe(
                Layer.provideMerge(Database.layer),
                Layer.provide(
                  ConfigProvider.layer(
                    ConfigProvider.fromUnknown({ DATABASE_URL: url, DATABASE_STATEMENT_TIMEOUT: "300 millis" })
                  )
                )
              )
            )
          )
        )
      )
  )
  for (const [label, layer, prepared] of [
    ["by default", PinStore.layerMethod("unnest"), 1],
    ["not with PIN_STORE_PREPARE=false", PinStore.layerMethod("unnest", false), 0]
  ] as const)
    it.live(`unnest: the upsert is a prepared statement, planned once per connection, ${label}`, () =>
      Effect.gen(function* () {
        yield* query((sql) => sql`truncate pins, pin_rejects`)
        const store = yield* PinStore
        for (const id of ["p1", "p2", "p3"]) yield* store.writeBatch({ pins: [pin(id)], rejects: [] })
        // one connection: the statements it keeps are the store's
        const statements = yield* query(
          (sql) => sql<Array<{ statement: string }>>`select statement from pg_prepared_statements`
        )
        assert.strictEqual(statements.filter((s) => s.statement.startsWith('insert into "pins"')).length, prepared)
        assert.strictEqual(yield* query((sql) => sql`select count(*)::int as n from pins`.then((r) => r[0]?.n)), 3)
      }).pipe(
        Effect.provide(
          layer.pipe(
            Layer.provideMerge(
              Migrations.layer.pipe(
                Layer.provideMerge(Database.layerConfig({ max: 1 })),
                Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url })))
              )
            )
          )
        )
      )
    )
})
