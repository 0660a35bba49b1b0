// The store's generic path: geo and user rows written through their registry tables (both write methods),
// one statement per table, rule 9 across batches and within one, rejects with their event_type.
import { afterAll, assert, beforeAll, it } from "@effect/vitest"
import { type CleanGeo, type CleanUser, geoEvent, userEvent } from "@pinflow/domain"
import { Effect, Layer } from "effect"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import type { Database } from "../src/Database.ts"
import { PinStore, type StoredEvent, storedEventTable, tableRows, type WriteMethod } from "../src/PinStore.ts"
import { createSchema, dropSchema, migratedDatabase, query } from "./DatabaseSchema.ts"

const geoTable = storedEventTable(geoEvent.table as Parameters<typeof storedEventTable<CleanGeo>>[0])
const userTable = storedEventTable(userEvent.table as Parameters<typeof storedEventTable<CleanUser>>[0])

const geo = (
  ind: number,
  ingestedAt: string,
  offset: number,
  country: string | null = "Aruba"
): StoredEvent<CleanGeo> => ({
  clean: {
    ind,
    event_time: "2019-11-09T07:45:20.000Z",
    latitude: -84.8378,
    longitude: -167.14,
    coordinates: [-84.8378, -167.14],
    country,
    ingested_at: ingestedAt
  },
  topic: "geos",
  partition: 0,
  offset
})

const user = (ind: number, name: string, ingestedAt: string, offset: number): StoredEvent<CleanUser> => ({
  clean: { ind, user_name: name, age: 21, date_joined: "2015-10-30T01:31:09.000Z", ingested_at: ingestedAt },
  topic: "users",
  partition: 0,
  offset
})

const t1 = "2026-11-26T10:00:00.000Z"
const t2 = "2026-11-26T11:00:00.000Z"

describeIntegration("the store's geo and user tables on PostgreSQL", ["postgres"], (env) => {
  const schema = uniqueName("eventstore", "_")
  let url = ""
  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
  })
  afterAll(() => dropSchema(env.databaseUrl, schema))

  for (const method of ["unnest", "copy"] as const satisfies ReadonlyArray<WriteMethod>) {
    const run = <A, E>(effect: Effect.Effect<A, E, PinStore | Database>) =>
      Effect.gen(function* () {
        yield* query((sql) => sql`truncate geo_events, users, pin_rejects`)
        return yield* effect
      }).pipe(Effect.provide(PinStore.layerMethod(method).pipe(Layer.provideMerge(migratedDatabase(url)))))

    it.live(
      `${method}: every column as the registry derives it; a later version wins, an older one never replaces it`,
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* PinStore
            const first = yield* store.writeBatch({
              pins: [],
              tables: [
                // ind 1 twice in one batch: the later offset wins
                tableRows(geoTable, [geo(1, t1, 1, "First"), geo(1, t1, 2, "Second"), geo(2, t1, 3, null)]),
                tableRows(userTable, [user(1, "Amanda Alvarez", t2, 4)])
              ],
              rejects: [
                {
                  event_type: "geo",
                  reason: "out_of_range",
                  detail: "latitude: 91 is outside [-90, 90]",
                  unique_id: "9",
                  raw: "{}",
                  source: "stream",
                  topic: "geos",
                  partition: 0,
                  offset: 5,
                  rejected_at: t1
                }
              ]
            })
            assert.deepStrictEqual(first, {
              pins: 0,
              events: 3,
              rejects: 1,
              byType: { geo: { rows: 2, rejects: 1 }, user: { rows: 1, rejects: 0 } }
            })
            // an older user version (earlier ingested_at) is not written; a newer geo version is
            const second = yield* store.writeBatch({
              pins: [],
              tables: [
                tableRows(userTable, [user(1, "Older Name", t1, 9)]),
                tableRows(geoTable, [geo(2, t2, 10, "Later")])
              ],
              rejects: []
            })
            assert.deepStrictEqual(second, { pins: 0, events: 1, rejects: 0, byType: { geo: { rows: 1, rejects: 0 } } })
            const geos = yield* query(
              (sql) => sql`select ind::int, event_time, latitude, longitude, coordinates, country, ingested_at,
              processed_at is not null as processed from geo_events order by ind`
            )
            assert.deepStrictEqual(
              geos.map((r) => ({ ...r })),
              [
                {
                  ind: 1,
                  event_time: new Date("2019-11-09T07:45:20.000Z"),
                  latitude: -84.8378,
                  longitude: -167.14,
                  coordinates: [-84.8378, -167.14],
                  country: "Second",
                  ingested_at: new Date(t1),
                  processed: true
                },
                {
                  ind: 2,
                  event_time: new Date("2019-11-09T07:45:20.000Z"),
                  latitude: -84.8378,
                  longitude: -167.14,
                  coordinates: [-84.8378, -167.14],
                  country: "Later",
                  ingested_at: new Date(t2),
                  processed: true
                }
              ]
            )
            const users = yield* query((sql) => sql`select ind::int, user_name, age, date_joined from users`)
            assert.deepStrictEqual(
              users.map((r) => ({ ...r })),
              [{ ind: 1, user_name: "Amanda Alvarez", age: 21, date_joined: new Date("2015-10-30T01:31:09.000Z") }]
            )
            const rejects = yield* query((sql) => sql`select event_type, reason, unique_id from pin_rejects`)
            assert.deepStrictEqual(
              rejects.map((r) => ({ ...r })),
              [{ event_type: "geo", reason: "out_of_range", unique_id: "9" }]
            )
          })
        )
    )

    it.live(
      `${method}: rule 9 across batches on a tie of ingested_at: the later offset wins whichever batch commits last`,
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* PinStore
            // one /geos and one /users request repeating an ind: one stamp, offsets 10 then 11 of one partition;
            // two writers in flight commit the batch holding offset 11 first
            const newer = yield* store.writeBatch({
              pins: [],
              tables: [
                tableRows(geoTable, [geo(7, t1, 11, "Newer")]),
                tableRows(userTable, [user(7, "Newer Name", t1, 11)])
              ],
              rejects: []
            })
            assert.deepStrictEqual(newer, {
              pins: 0,
              events: 2,
              rejects: 0,
              byType: { geo: { rows: 1, rejects: 0 }, user: { rows: 1, rejects: 0 } }
            })
            const older = yield* store.writeBatch({
              pins: [],
              tables: [
                tableRows(geoTable, [geo(7, t1, 10, "Older")]),
                tableRows(userTable, [user(7, "Older Name", t1, 10)])
              ],
              rejects: []
            })
            assert.deepStrictEqual(older, { pins: 0, events: 0, rejects: 0, byType: {} })
            // a replay of the newer message (same offset) is written again: the same version
            const replay = yield* store.writeBatch({
              pins: [],
              tables: [tableRows(geoTable, [geo(7, t1, 11, "Newer")])],
              rejects: []
            })
            assert.deepStrictEqual(replay, { pins: 0, events: 1, rejects: 0, byType: { geo: { rows: 1, rejects: 0 } } })
            const stored = yield* query(
              (sql) => sql`select g.country, g.topic, g.partition, g."offset"::int, u.user_name, u.topic as user_topic,
              u."offset"::int as user_offset from geo_events g join users u using (ind)`
            )
            assert.deepStrictEqual(
              stored.map((r) => ({ ...r })),
              [
                {
                  country: "Newer",
                  topic: "geos",
                  partition: 0,
                  offset: 11,
                  user_name: "Newer Name",
                  user_topic: "users",
                  user_offset: 11
                }
              ]
            )
          })
        )
    )
  }
})
