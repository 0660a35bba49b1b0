/** Every real geo and user sample row through the registry's cleaning: exact counts and hand-checked rows. */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { sampleLines, samplePath } from "../../../test/support/sampleData.ts"
import { geoEvent } from "../src/GeoEventType.ts"
import { userEvent } from "../src/UserEventType.ts"

const geo = sampleLines(samplePath.replace("pins-sample.ndjson", "geo-sample.ndjson"))
const users = sampleLines(samplePath.replace("pins-sample.ndjson", "users-sample.ndjson"))

const counts = (outcomes: ReadonlyArray<Result.Result<unknown, { readonly reason: string }>>) => {
  const out: Record<string, number> = {}
  for (const outcome of outcomes) {
    const key = Result.isSuccess(outcome) ? "clean" : outcome.failure.reason
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

describe("cleaning the geo and user samples", () => {
  it("geo: all 2,384 rows clean, with hand-checked rows", (ctx) => {
    if ("skip" in geo) return ctx.skip(geo.skip)
    const outcomes = geo.lines.map((line) => geoEvent.cleanPostedLine(line))
    assert.deepStrictEqual(counts(outcomes), { clean: 2384 })
    const byInd = new Map(outcomes.filter(Result.isSuccess).map((o) => [o.success.ind, o.success]))
    assert.strictEqual(byInd.size, 2384)
    assert.deepStrictEqual(byInd.get(3), {
      ind: 3,
      event_time: "2019-11-09T07:45:20.000Z",
      latitude: -84.8378,
      longitude: -167.14,
      coordinates: [-84.8378, -167.14],
      country: "Aruba"
    })
    assert.deepStrictEqual(byInd.get(60), {
      ind: 60,
      event_time: "2022-05-27T11:06:08.000Z",
      latitude: -31.2898,
      longitude: 110.65,
      coordinates: [-31.2898, 110.65],
      country: "Antarctica (the territory South of 60 deg S)"
    })
    assert.strictEqual(byInd.get(1609)?.event_time, "2019-01-11T11:23:09.000Z")
    assert.strictEqual(new Set([...byInd.values()].map((g) => g.country)).size, 237)
  })

  it("user: all 2,384 rows clean, with hand-checked rows; names only joined", (ctx) => {
    if ("skip" in users) return ctx.skip(users.skip)
    const outcomes = users.lines.map((line) => userEvent.cleanPostedLine(line))
    assert.deepStrictEqual(counts(outcomes), { clean: 2384 })
    const byInd = new Map(outcomes.filter(Result.isSuccess).map((o) => [o.success.ind, o.success]))
    assert.deepStrictEqual(byInd.get(3), {
      ind: 3,
      user_name: "Amanda Alvarez",
      age: 21,
      date_joined: "2015-10-30T01:31:09.000Z"
    })
    assert.deepStrictEqual(byInd.get(106), {
      ind: 106,
      user_name: "Nina Liu",
      age: 60,
      date_joined: "2017-09-05T09:07:47.000Z"
    })
    assert.deepStrictEqual(byInd.get(1609), {
      ind: 1609,
      user_name: "Alicia Burnett",
      age: 23,
      date_joined: "2016-07-18T00:04:07.000Z"
    })
    for (const user of byInd.values()) {
      assert.notProperty(user, "first_name")
      assert.notProperty(user, "last_name")
    }
  })
})
