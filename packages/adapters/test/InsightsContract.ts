/**
 * The insight tables against an independent recomputation: the three sample files (2,384 rows each, joined
 * on index = ind) loaded into `pins`, `geo_events` and `users`, then every table compared with the same
 * questions answered here in plain TypeScript (group, sort, median). Run on PostgreSQL and on PGlite.
 */
import { assert, type Vitest } from "@effect/vitest"
import {
  type CleanGeo,
  type CleanPin,
  type CleanUser,
  cleanGeoLine,
  cleanPinLine,
  cleanUserLine,
  type PinId
} from "@pinflow/domain"
import { Effect, Result } from "effect"
import type postgres from "postgres"
import { sampleLines, samplePath } from "../../../test/support/sampleData.ts"
import { AnalyticsStore, ageGroups, type InsightCell, type InsightTable, insightTables } from "../src/AnalyticsStore.ts"
import { Database } from "../src/Database.ts"

export interface Samples {
  readonly pins: ReadonlyArray<CleanPin>
  readonly geo: ReadonlyArray<CleanGeo>
  readonly users: ReadonlyArray<CleanUser>
}

const lines = (file: string) => {
  const read = sampleLines(samplePath.replace("pins-sample.ndjson", file))
  return "lines" in read ? read.lines : undefined
}

/** The samples, cleaned by the domain's cleaning of each type, or undefined when the shared folder is absent. */
export const readSamples = (): Samples | undefined => {
  const pinLines = lines("pins-sample.ndjson")
  const geoLines = lines("geo-sample.ndjson")
  const userLines = lines("users-sample.ndjson")
  if (pinLines === undefined || geoLines === undefined || userLines === undefined) return undefined
  const clean = <A>(lines: ReadonlyArray<string>, f: (line: string) => Result.Result<A, unknown>) =>
    lines.flatMap((line) => {
      const outcome = f(line)
      return Result.isSuccess(outcome) ? [outcome.success] : []
    })
  const pins = clean(pinLines, cleanPinLine)
  const geo = clean(geoLines, cleanGeoLine)
  const users = clean(userLines, cleanUserLine)
  return { pins, geo, users }
}

/** Replaces the rows of `pins`, `geo_events` and `users` with `samples`. */
export const load = (sql: postgres.Sql, samples: Samples) =>
  Effect.promise(() =>
    sql.begin(async (tx) => {
      await tx`delete from pins`
      await tx`delete from geo_events`
      await tx`delete from users`
      if (samples.pins.length > 0)
        await tx`insert into pins ${tx(
          samples.pins.map((p) => ({
            unique_id: p.unique_id,
            pin_index: p.index,
            follower_count: p.follower_count,
            media_type: p.media_type,
            downloaded: p.downloaded,
            save_location: p.save_location,
            category: p.category
          }))
        )}`
      if (samples.geo.length > 0)
        await tx`insert into geo_events ${tx(
          samples.geo.map((g) => ({
            ind: g.ind,
            event_time: g.event_time,
            latitude: g.latitude,
            longitude: g.longitude,
            country: g.country
          }))
        )}`
      if (samples.users.length > 0)
        await tx`insert into users ${tx(
          samples.users.map((u) => ({ ind: u.ind, user_name: u.user_name, age: u.age, date_joined: u.date_joined }))
        )}`
    })
  )

// ---- the recomputation ----

/** Code-point order, as `collate "C"` sorts (UTF-8 bytes). */
const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

const ageGroupOf = (age: number): string | null =>
  age >= 18 && age <= 24
    ? "18-24"
    : age >= 25 && age <= 35
      ? "25-35"
      : age >= 36 && age <= 50
        ? "36-50"
        : age > 50
          ? "+50"
          : null

const yearOf = (iso: string, from: number, to: number): number | null => {
  const year = Number(iso.slice(0, 4))
  return year >= from && year <= to ? year : null
}

/** `percentile_cont(0.5)`: the middle value, or the first middle one plus half the gap to the second. */
const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const lo = sorted[(sorted.length - 1) >> 1] ?? Number.NaN
  const hi = sorted[sorted.length >> 1] ?? Number.NaN
  return lo + (hi - lo) * 0.5
}

const groupBy = <A, K>(items: ReadonlyArray<A>, key: (a: A) => K | null): Map<K, Array<A>> => {
  const groups = new Map<K, Array<A>>()
  for (const item of items) {
    const k = key(item)
    if (k !== null) groups.set(k, [...(groups.get(k) ?? []), item])
  }
  return groups
}

type Key = string | number
const compareKeys = (a: Key, b: Key): number =>
  typeof a === "number" && typeof b === "number"
    ? a - b
    : typeof a === "string" && typeof b === "string"
      ? ageGroups.includes(a as never) && ageGroups.includes(b as never)
        ? ageGroups.indexOf(a as never) - ageGroups.indexOf(b as never)
        : byCodePoint(a, b)
      : 0

const sortedGroups = <A, K extends Key>(groups: Map<K, Array<A>>) =>
  [...groups.entries()].sort(([a], [b]) => compareKeys(a, b))

/** Per group, the category with the most pins; ties the smaller category. */
const mostPopular = <A extends { readonly pin: CleanPin }>(
  items: ReadonlyArray<A>,
  key: (a: A) => Key | null
): Array<Array<InsightCell>> =>
  sortedGroups(groupBy(items, key)).map(([k, group]) => {
    const counts = groupBy(group, (a) => a.pin.category ?? "(none)")
    const [best] = [...counts.entries()]
      .map(([category, pins]) => [category, pins.length] as const)
      .sort(([ca, na], [cb, nb]) => nb - na || byCodePoint(ca, cb))
    return [k, best?.[0] ?? null, best?.[1] ?? null]
  })

/** Per group, the median of the known follower counts (groups without any: no row). */
const medians = <A extends { readonly pin: CleanPin }>(
  items: ReadonlyArray<A>,
  key: (a: A) => ReadonlyArray<Key> | null
): Array<Array<InsightCell>> => {
  const known = items.filter((a) => a.pin.follower_count !== null)
  const groups = groupBy(known, (a) => {
    const k = key(a)
    return k === null ? null : JSON.stringify(k)
  })
  return [...groups.entries()]
    .map(([k, group]) => [JSON.parse(k) as Array<Key>, median(group.map((a) => a.pin.follower_count ?? 0))] as const)
    .sort(([a], [b]) => a.reduce<number>((order, ka, i) => order || compareKeys(ka, b[i] ?? ""), 0))
    .map(([k, m]) => [...k, m])
}

/** Every insight table, recomputed from the samples. */
export const expectedInsights = (samples: Samples): ReadonlyArray<InsightTable> => {
  const geoByInd = new Map(samples.geo.map((g) => [g.ind, g]))
  const userByInd = new Map(samples.users.map((u) => [u.ind, u]))
  const withGeo = samples.pins.flatMap((pin) => {
    const geo = geoByInd.get(pin.index)
    return geo === undefined ? [] : [{ pin, geo }]
  })
  const withUser = samples.pins.flatMap((pin) => {
    const user = userByInd.get(pin.index)
    return user === undefined ? [] : [{ pin, user }]
  })
  // a geo event without a country is in no per-country row
  const country = (g: CleanGeo) => g.country
  const topUsers = sortedGroups(
    groupBy(
      withGeo.flatMap(({ pin, geo }) => {
        const user = userByInd.get(pin.index)
        return user === undefined || pin.follower_count === null ? [] : [{ geo, user, followers: pin.follower_count }]
      }),
      (a) => country(a.geo)
    )
  ).map(([k, group]) => {
    // a user without a name comes after every name, as `nulls last`
    const name = (a: (typeof group)[number]) => a.user.user_name
    const [top] = group.sort(
      (a, b) =>
        b.followers - a.followers ||
        (name(a) === null
          ? name(b) === null
            ? 0
            : 1
          : name(b) === null
            ? -1
            : byCodePoint(name(a) ?? "", name(b) ?? ""))
    )
    return [k, top?.user.user_name ?? null, top === undefined ? null : BigInt(top.followers)]
  })
  const joined = sortedGroups(groupBy(samples.users, (u) => yearOf(u.date_joined, 2015, 2020))).map(([year, users]) => [
    year,
    users.length
  ])
  const rows: Record<string, Array<Array<InsightCell>>> = {
    insight_category_by_country: mostPopular(withGeo, (a) => country(a.geo)),
    insight_category_by_year: mostPopular(withGeo, (a) => yearOf(a.geo.event_time, 2018, 2022)),
    insight_top_user_by_country: topUsers,
    insight_category_by_age_group: mostPopular(withUser, (a) => ageGroupOf(a.user.age)),
    insight_median_followers_by_age_group: medians(withUser, (a) => {
      const group = ageGroupOf(a.user.age)
      return group === null ? null : [group]
    }),
    insight_users_joined_by_year: joined,
    insight_median_followers_by_join_year: medians(withUser, (a) => {
      const year = yearOf(a.user.date_joined, 2015, 2020)
      return year === null ? null : [year]
    }),
    insight_median_followers_by_join_year_and_age_group: medians(withUser, (a) => {
      const year = yearOf(a.user.date_joined, 2015, 2020)
      const group = ageGroupOf(a.user.age)
      return year === null || group === null ? null : [year, group]
    })
  }
  return insightTables.map((t) => ({ ...t, rows: rows[t.table] ?? [] }))
}

const rowCounts = (tables: ReadonlyArray<InsightTable>) =>
  Object.fromEntries(tables.map((t) => [t.table, t.rows.length]))

const pin = (
  index: number,
  category: string | null,
  follower_count: number | null,
  unique_id = `pin-${index}`
): CleanPin => ({
  unique_id: unique_id as PinId,
  index,
  title: "t",
  description: null,
  follower_count,
  tags: [],
  media_type: "image",
  image_src: null,
  downloaded: false,
  save_location: "/data/x",
  category
})

/**
 * Hand-made rows for the rules the samples never meet: ties, a user under 18, no country, no category, an
 * unknown follower count, years out of range, a pin without geo or user, a user without a pin, an even median,
 * a real country named "(none)", two pins sharing one row number, control characters in a user name.
 */
const edgeRows: Samples = {
  pins: [
    pin(1, "b", 100),
    pin(2, "a", 100),
    pin(3, null, null),
    pin(4, "c", 7),
    pin(6, "a", 1),
    pin(7, "d", 500),
    pin(8, "d", 500),
    pin(8, "d", 3, "pin-8-again"),
    pin(9, "e", 9)
  ],
  geo: [
    { ind: 1, event_time: "2019-01-01T00:00:00Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: "X" },
    { ind: 2, event_time: "2017-12-31T23:59:59Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: "X" },
    { ind: 3, event_time: "2022-12-31T23:59:59Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: null },
    { ind: 7, event_time: "2020-01-01T00:00:00Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: "Y" },
    { ind: 8, event_time: "2020-01-01T00:00:00Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: "Y" },
    { ind: 9, event_time: "2021-06-01T00:00:00Z", latitude: 0, longitude: 0, coordinates: [0, 0], country: "(none)" }
  ],
  users: [
    { ind: 1, user_name: "Zed A", age: 17, date_joined: "2016-05-01T00:00:00Z" },
    { ind: 2, user_name: "Amy B", age: 24, date_joined: "2015-01-01T00:00:00Z" },
    { ind: 3, user_name: "Old C", age: 51, date_joined: "2021-01-01T00:00:00Z" },
    { ind: 5, user_name: "Solo D", age: 30, date_joined: "2020-12-31T23:59:59Z" },
    { ind: 6, user_name: "Eve E", age: 18, date_joined: "2015-06-01T00:00:00Z" },
    { ind: 7, user_name: null, age: 60, date_joined: "2019-02-01T00:00:00Z" },
    { ind: 8, user_name: "Bea", age: 60, date_joined: "2019-03-01T00:00:00Z" },
    { ind: 9, user_name: "Esc\u001b[2J\r\u0007\u202eX", age: 40, date_joined: "2018-01-01T00:00:00Z" }
  ]
}

/** What `edgeRows` give, worked out by hand. */
const edgeExpected: Record<string, ReadonlyArray<ReadonlyArray<InsightCell>>> = {
  // X: one "a" and one "b" → the smaller; no country → no row; the real country "(none)" is a row of its
  // own; Y: both pins of row 8 count
  insight_category_by_country: [
    ["(none)", "e", 1],
    ["X", "a", 1],
    ["Y", "d", 3]
  ],
  // 2017 is out of range; 2022-12-31T23:59:59Z is still 2022 in UTC
  insight_category_by_year: [
    [2019, "b", 1],
    [2020, "d", 3],
    [2021, "e", 1],
    [2022, "(none)", 1]
  ],
  // both pins of X have 100 followers → the smaller user name; of Y, a named user before one without a
  // name; the pin without a country is in no row; control characters are kept as stored
  insight_top_user_by_country: [
    ["(none)", "Esc\u001b[2J\r\u0007\u202eX", 9n],
    ["X", "Amy B", 100n],
    ["Y", "Bea", 500n]
  ],
  // Zed (17) is in no group; 18 is the first age of 18-24; 51 is +50
  insight_category_by_age_group: [
    ["18-24", "a", 2],
    ["36-50", "e", 1],
    ["+50", "d", 3]
  ],
  // 100 and 1 → 50.5; +50: 500, 500 and 3 (Old C's pin has no known count)
  insight_median_followers_by_age_group: [
    ["18-24", 50.5],
    ["36-50", 9],
    ["+50", 500]
  ],
  // every users row: Solo (no pin) counts, 2021 does not
  insight_users_joined_by_year: [
    [2015, 2],
    [2016, 1],
    [2018, 1],
    [2019, 2],
    [2020, 1]
  ],
  insight_median_followers_by_join_year: [
    [2015, 50.5],
    [2016, 100],
    [2018, 9],
    [2019, 500]
  ],
  insight_median_followers_by_join_year_and_age_group: [
    [2015, "18-24", 50.5],
    [2018, "36-50", 9],
    [2019, "+50", 500]
  ]
}

/** The contract, over a migrated database with `AnalyticsStore` on it. */
export const insightsContract = <R>(it: Vitest.MethodsNonLive<R | AnalyticsStore | Database>, samples: Samples) => {
  const empty: Samples = { pins: [], geo: [], users: [] }

  it.effect("every insight table equals the recomputation over the three samples", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, samples)
      const written = yield* store.refreshInsights
      const expected = expectedInsights(samples)
      const { tables: actual } = yield* store.insights
      for (const [i, table] of expected.entries()) assert.deepStrictEqual(actual[i], table, table.table)
      assert.deepStrictEqual(written, rowCounts(expected))
      // hand-checked from the raw user rows (date_joined 2015-10 … 2017-10): every users row counts
      assert.deepStrictEqual(actual.find((t) => t.table === "insight_users_joined_by_year")?.rows, [
        [2015, 982],
        [2016, 1032],
        [2017, 370]
      ])
      // one row per country of the geo sample (237)
      assert.deepStrictEqual(
        actual.find((t) => t.table === "insight_category_by_country")?.rows.length,
        new Set(samples.geo.flatMap((g) => (g.country === null ? [] : [g.country]))).size
      )
    })
  )

  it.effect("the rules on hand-made rows: ties, under 18, no country or category, year bounds", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, edgeRows)
      yield* store.refreshInsights
      const expected = insightTables.map((t) => ({ ...t, rows: edgeExpected[t.table] ?? [] }))
      assert.deepStrictEqual((yield* store.insights).tables, expected)
      // the recomputation the sample test relies on agrees with the hand-worked rows
      assert.deepStrictEqual(expectedInsights(edgeRows), expected)
    })
  )

  it.effect("follower counts past 2^53 are read back exactly", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, edgeRows)
      yield* Effect.promise(() => sql`update pins set follower_count = 9223372036854775807 where unique_id = 'pin-7'`)
      yield* Effect.promise(() => sql`update pins set follower_count = 9007199254740993 where unique_id = 'pin-2'`)
      yield* store.refreshInsights
      const { tables } = yield* store.insights
      assert.deepStrictEqual(tables.find((t) => t.table === "insight_top_user_by_country")?.rows, [
        ["(none)", "Esc\u001b[2J\r\u0007\u202eX", 9n],
        ["X", "Amy B", 9007199254740993n],
        ["Y", null, 9223372036854775807n]
      ])
    })
  )

  it.effect("before any refresh: no refresh time", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* Effect.promise(() => sql`delete from insight_refresh`)
      assert.strictEqual((yield* store.insights).refreshedAt, null)
      yield* load(sql, edgeRows)
      yield* store.refreshInsights
      const [stamp] = yield* Effect.promise(
        () => sql<Array<{ refreshed_at: Date }>>`select refreshed_at from insight_refresh`
      )
      assert.deepStrictEqual((yield* store.insights).refreshedAt, stamp?.refreshed_at)
    })
  )

  it.effect("a refresh re-run writes the same rows", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, samples)
      yield* store.refreshInsights
      const first = (yield* store.insights).tables
      yield* store.refreshInsights
      assert.deepStrictEqual((yield* store.insights).tables, first)
      assert.deepStrictEqual(first, expectedInsights(samples))
    })
  )

  it.effect("a refresh failing midway leaves the previous insights whole", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, samples)
      yield* store.refreshInsights
      const before = yield* store.insights
      assert.instanceOf(before.refreshedAt, Date)
      // half the pins gone: a refresh would change every table; the last table refuses any row
      const half: Samples = { ...samples, pins: samples.pins.filter((p) => p.index % 2 === 0) }
      yield* load(sql, half)
      yield* Effect.promise(
        () =>
          sql`alter table insight_median_followers_by_join_year_and_age_group add constraint refuse_all check (join_year < 0) not valid`
      )
      const error = yield* Effect.flip(store.refreshInsights).pipe(
        Effect.ensuring(
          Effect.promise(
            () => sql`alter table insight_median_followers_by_join_year_and_age_group drop constraint refuse_all`
          )
        )
      )
      assert.strictEqual(error._tag, "AnalyticsStoreError")
      assert.include(error.message, "refresh insights failed")
      assert.deepStrictEqual(yield* store.insights, before)
      yield* store.refreshInsights
      const after = yield* store.insights
      assert.deepStrictEqual(after.tables, expectedInsights(half))
      assert.notDeepEqual(after.tables[0]?.rows, before.tables[0]?.rows)
      // the stamp is written by the refresh that committed, not by the one that failed
      assert.isAbove(after.refreshedAt?.getTime() ?? 0, before.refreshedAt?.getTime() ?? Number.POSITIVE_INFINITY)
    })
  )

  it.effect("empty tables: every insight table emptied", () =>
    Effect.gen(function* () {
      const { sql } = yield* Database
      const store = yield* AnalyticsStore
      yield* load(sql, samples)
      yield* store.refreshInsights
      yield* load(sql, empty)
      const written = yield* store.refreshInsights
      assert.deepStrictEqual(written, Object.fromEntries(insightTables.map((t) => [t.table, 0])))
      assert.deepStrictEqual(
        (yield* store.insights).tables,
        insightTables.map((t) => ({ ...t, rows: [] }))
      )
    })
  )
}
