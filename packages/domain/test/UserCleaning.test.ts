import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { cleanLoggedUserLine, cleanUser, userName } from "../src/UserEventType.ts"

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
          'first_name: Expected text without the NUL character (U+0000); age: Expected number, got "21"; date_joined: Expected a UTC time "YYYY-MM-DD HH:MM:SS" of a real date, years 0001 to 9999, such as "2019-11-09 07:45:20", got "2015-10-30T01:31:09Z"',
        key: "3"
      })
    )
  })

  it("a name is at most 256 code points once trimmed, and never quoted in a detail", () => {
    const long = "é".repeat(257)
    assert.deepStrictEqual(
      cleanUser({ ...event, first_name: `  ${"é".repeat(256)}\u00a0`, last_name: " ".repeat(300) }),
      Result.succeed({ ind: 3, user_name: "é".repeat(256), age: 21, date_joined: "2015-10-30T01:31:09.000Z" })
    )
    assert.deepStrictEqual(
      cleanUser({ ...event, first_name: long, last_name: long }),
      Result.fail({
        reason: "schema",
        detail:
          "first_name: Expected at most 256 code points after trimming white space (this text has 257); last_name: Expected at most 256 code points after trimming white space (this text has 257)",
        key: "3"
      })
    )
  })

  it("a logged user carries user_name only: the names posted apart are refused there", () => {
    const logged = { ind: 3, user_name: "Amanda Alvarez", age: 21, date_joined: "2015-10-30 01:31:09" }
    assert.deepStrictEqual(
      cleanLoggedUserLine(JSON.stringify({ ...event, ingested_at: "2026-11-26T10:00:00.000Z" })),
      Result.fail({ reason: "schema", detail: "user_name: Missing key", key: "3" })
    )
    assert.deepStrictEqual(
      cleanLoggedUserLine(
        JSON.stringify({ ...logged, user_name: "x".repeat(514), ingested_at: "2026-11-26T10:00:00.000Z" })
      ),
      Result.fail({
        reason: "schema",
        detail: "user_name: Expected at most 513 code points (this text has 514)",
        key: "3"
      })
    )
    // another producer's blank or padded name: trimmed, null when blank
    assert.deepStrictEqual(
      cleanLoggedUserLine(JSON.stringify({ ...logged, user_name: " \t", ingested_at: "2026-11-26T10:00:00.000Z" })),
      Result.succeed({
        ind: 3,
        user_name: null,
        age: 21,
        date_joined: "2015-10-30T01:31:09.000Z",
        ingested_at: "2026-11-26T10:00:00.000Z"
      })
    )
  })

  it("cleans a logged line with its ingested_at", () => {
    assert.deepStrictEqual(
      cleanLoggedUserLine(
        JSON.stringify({
          ind: 3,
          user_name: "Amanda Alvarez",
          age: 21,
          date_joined: "2015-10-30 01:31:09",
          ingested_at: "2026-11-26T10:00:00.000Z"
        })
      ),
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
