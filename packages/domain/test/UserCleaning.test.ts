import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { cleanLoggedUserLine, cleanUser, userName } from "../src/UserCleaning.ts"

const event = { ind: 3, first_name: "Amanda", last_name: "Alvarez", age: 21, date_joined: "2015-10-30 01:31:09" }

describe("cleanUser", () => {
  it("joins the names, turns the time into an ISO instant and keeps nothing else", () => {
    assert.deepStrictEqual(
      cleanUser({ ...event, email: "dropped" }),
      Result.succeed({ ind: 3, user_name: "Amanda Alvarez", age: 21, date_joined: "2015-10-30T01:31:09.000Z" })
    )
  })

  it("user_name: both trimmed and joined by one space; one alone when the other is empty; null when both are", () => {
    assert.strictEqual(userName("  Amanda\u00a0", "\tAlvarez "), "Amanda Alvarez")
    assert.strictEqual(userName("Mary Ann", "van der Berg"), "Mary Ann van der Berg")
    assert.strictEqual(userName("Amanda", " "), "Amanda")
    assert.strictEqual(userName("", "Alvarez"), "Alvarez")
    assert.strictEqual(userName(" ", "\u00a0"), null)
  })

  it("age: an integer from 0 to 150, else out_of_range", () => {
    for (const age of [0, 150, 20]) assert.isTrue(Result.isSuccess(cleanUser({ ...event, age })), String(age))
    for (const age of [-1, 151, 20.5, 1e300])
      assert.deepStrictEqual(
        cleanUser({ ...event, age }),
        Result.fail({ reason: "out_of_range", detail: `age: expected an integer from 0 to 150, got ${age}`, key: "3" })
      )
  })

  it("rejects a bad structure as schema, naming each field", () => {
    assert.deepStrictEqual(
      cleanUser({ ...event, age: "21", date_joined: "2015-10-30T01:31:09Z", first_name: "a\u0000" }),
      Result.fail({
        reason: "schema",
        detail:
          'first_name: Expected text without the NUL character (U+0000), got "a\\u0000"; age: Expected number, got "21"; date_joined: Expected a UTC time "YYYY-MM-DD HH:MM:SS" of a real date, years 0001 to 9999, such as "2019-11-09 07:45:20", got "2015-10-30T01:31:09Z"',
        key: "3"
      })
    )
  })

  it("cleans a logged line with its ingested_at", () => {
    assert.deepStrictEqual(
      cleanLoggedUserLine(JSON.stringify({ ...event, ingested_at: "2026-11-26T10:00:00.000Z" })),
      Result.succeed({
        ind: 3,
        user_name: "Amanda Alvarez",
        age: 21,
        date_joined: "2015-10-30T01:31:09.000Z",
        ingested_at: "2026-11-26T10:00:00.000Z"
      })
    )
  })
})
