import { assert, describe, it } from "@effect/vitest"
import { InMemoryLog } from "@pinflow/adapters"
import { Effect } from "effect"
import { archiveOtherTypes } from "../src/ArchiveEventTypes.ts"
import { archived, D, env } from "./fixtures.ts"

const geo = (ind: number) =>
  JSON.stringify({
    ind,
    timestamp: "2019-11-09 07:45:20",
    latitude: 1.5,
    longitude: 2,
    country: "Aruba",
    ingested_at: `${D}T10:00:00.000Z`
  })
const user = (ind: number) =>
  JSON.stringify({
    ind,
    user_name: "A B",
    age: 21,
    date_joined: "2015-10-30 01:31:09",
    ingested_at: `${D}T11:00:00.000Z`
  })

describe("archiveOtherTypes", () => {
  it.effect(
    "copies the geos and users topics under raw/geos/ and raw/users/, each line as logged, the pins left alone",
    () =>
      Effect.gen(function* () {
        const log = yield* InMemoryLog
        yield* log.append(
          "geos",
          [3, 4, 5].map((i) => ({ key: String(i), value: geo(i) }))
        )
        yield* log.append(
          "users",
          [3, 4].map((i) => ({ key: String(i), value: user(i) }))
        )
        yield* log.append("pins", [{ key: "p", value: "{}" }])
        const summaries = yield* archiveOtherTypes()
        assert.deepStrictEqual(
          summaries.map((s) => [s.topic, s.events, s.unreadable, s.days]),
          [
            ["geos", 3, 0, [D]],
            ["users", 2, 0, [D]]
          ]
        )
        const lines = (objects: ReadonlyArray<{ readonly lines: ReadonlyArray<string> }>) =>
          objects.flatMap((o) => o.lines).sort()
        assert.deepStrictEqual(lines(yield* archived("raw/geos/")), [geo(3), geo(4), geo(5)])
        assert.deepStrictEqual(lines(yield* archived("raw/users/")), [user(3), user(4)])
        assert.deepStrictEqual(yield* archived("raw/pins/"), [])
        for (const o of yield* archived("raw/geos/")) assert.match(o.key, new RegExp(`^raw/geos/dt=${D}/`))
      }).pipe(Effect.provide(env()))
  )
})
