/**
 * Every registered type's cleaning and edge check are total: whatever they are given, they return a row
 * the type's clean Schema accepts, whose text is storable and dates are real instants, or a rejection with a
 * known code, a storable detail and a storable key.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import type { EventRejection, EventType } from "../src/EventType.ts"
import { eventTypes } from "../src/EventTypes.ts"
import { geoEvent } from "../src/GeoEventType.ts"
import { isoInstantMillis } from "../src/IsoInstant.ts"
import { stringifyJson } from "../src/JsonText.ts"
import { pinEvent } from "../src/PinEventType.ts"
import { RejectReason } from "../src/RejectReason.ts"
import { userEvent } from "../src/UserEventType.ts"
import { hostileEvent, hostileString, hostileValue, storableInstant, storableString } from "./Hostile.ts"

const reasons = new Set<string>(RejectReason.literals)

const isStorable = (s: unknown): boolean => typeof s === "string" && s.isWellFormed() && !s.includes("\u0000")

/** Every string in a clean row is storable (recursively: tags, coordinates). */
const storableThroughout = (value: unknown): boolean =>
  typeof value === "string"
    ? isStorable(value)
    : Array.isArray(value)
      ? value.every(storableThroughout)
      : typeof value === "object" && value !== null
        ? Object.values(value).every(storableThroughout)
        : true

const timeFields = ["event_time", "date_joined", "ingested_at"]

/** Asserts the outcome is a valid clean row or a known rejection; says which it was. */
const checkOutcome = (type: EventType, outcome: Result.Result<unknown, EventRejection>): "clean" | "rejected" => {
  assert.isTrue(Result.isResult(outcome))
  if (Result.isFailure(outcome)) {
    const { reason, detail, key } = outcome.failure
    assert.isTrue(reasons.has(reason), `unknown reason ${reason}`)
    assert.isTrue(isStorable(detail), `detail not storable: ${JSON.stringify(detail)}`)
    if (key !== undefined) assert.isTrue(isStorable(key) && key.length > 0 && key === key.trim())
    return "rejected"
  }
  const row = outcome.success as Record<string, unknown>
  assert.isTrue(Schema.is(type.clean)(row), `${type.name} row outside its schema: ${stringifyJson(row)}`)
  assert.isTrue(storableThroughout(row))
  for (const field of timeFields)
    if (typeof row[field] === "string") assert.isDefined(isoInstantMillis(row[field]), `${field}: ${row[field]}`)
  for (const column of type.table.columns) assert.notStrictEqual(column.value(row), undefined, column.name)
  return "clean"
}

const sourceTime = storableInstant.map((iso) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`)

const validGeo = fc.record({
  ind: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  timestamp: sourceTime,
  latitude: fc.double({ min: -100, max: 100, noNaN: true }),
  longitude: fc.double({ min: -200, max: 200, noNaN: true }),
  country: storableString()
})

const validUser = fc.record({
  ind: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  first_name: storableString(),
  last_name: storableString(),
  age: fc.oneof(fc.integer({ min: -5, max: 160 }), fc.double({ noNaN: true })),
  date_joined: sourceTime
})

/** A user as the edge logs it: the names joined into `user_name` (null when both were blank). */
const validLoggedUser = fc.record({
  ind: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  user_name: fc.option(storableString()),
  age: fc.oneof(fc.integer({ min: -5, max: 160 }), fc.double({ noNaN: true })),
  date_joined: sourceTime
})

/** A valid event with each field, sometimes, replaced by a hostile value or removed; stamped mostly. */
const hostile = (valid: fc.Arbitrary<Record<string, unknown>>, keys: ReadonlyArray<string>) =>
  fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.constantFrom(...keys, "ingested_at", "extra"), fc.option(hostileValue, { freq: 8 })), {
        maxLength: 2
      }),
      fc.oneof({ weight: 1, arbitrary: hostileString }, { weight: 4, arbitrary: storableInstant })
    )
    .map(([event, changes, ingestedAt]) => {
      const out: Record<string, unknown> = { ...event, ingested_at: ingestedAt }
      for (const [key, value] of changes) {
        if (value === null) delete out[key]
        else out[key] = value
      }
      return out
    })

const hostileOf = {
  pin: hostileEvent,
  geo: hostile(validGeo, ["ind", "timestamp", "latitude", "longitude", "country"]),
  user: hostile(validUser, ["ind", "first_name", "last_name", "age", "date_joined"])
}

/** What the topic holds: pins and geo events as posted (stamped), users with their names joined. */
const hostileLoggedOf = {
  ...hostileOf,
  user: hostile(validLoggedUser, ["ind", "user_name", "age", "date_joined"])
}

describe("every registered type is total", () => {
  for (const type of eventTypes) {
    it(`${type.name}: cleanLine and cleanPostedLine on any text and on JSON of hostile values`, () => {
      for (const clean of [type.cleanLine, type.cleanPostedLine]) {
        fc.assert(fc.property(hostileString, (line) => void checkOutcome(type, clean(line))))
        fc.assert(fc.property(hostileValue, (value) => void checkOutcome(type, clean(stringifyJson(value)))))
        fc.assert(fc.property(fc.jsonValue(), (value) => void checkOutcome(type, clean(JSON.stringify(value)))))
      }
    })

    it(`${type.name}: events with hostile fields, many of them still clean`, () => {
      let clean = 0
      let postedClean = 0
      fc.assert(
        fc.property(hostileLoggedOf[type.name], hostileOf[type.name], (logged, posted) => {
          if (checkOutcome(type, type.cleanLine(stringifyJson(logged))) === "clean") clean++
          if (checkOutcome(type, type.cleanPostedLine(stringifyJson(posted))) === "clean") postedClean++
        }),
        { numRuns: 300 }
      )
      // the assertions on clean rows must run, not only rejections
      assert.isAtLeast(clean, 30)
      assert.isAtLeast(postedClean, 30)
    })

    it(`${type.name}: check on any value answers; what it accepts is logged, keyed and cleans`, () => {
      let accepted = 0
      fc.assert(
        fc.property(fc.oneof(hostileValue, hostileOf[type.name]), (value) => {
          const checked = type.check(value)
          assert.isTrue(Result.isResult(checked))
          if (Result.isFailure(checked)) {
            assert.isTrue(isStorable(checked.failure.detail) && checked.failure.issues.length > 0)
            return
          }
          accepted++
          const key = type.key(checked.success)
          assert.isTrue(isStorable(key) && key.length > 0)
          assert.strictEqual(type.readableKey(value), key)
          const logged = type.logged(checked.success, new Date("2026-11-26T10:00:00.000Z"))
          const outcome = type.cleanLine(JSON.stringify(logged))
          // the edge checked the structure: only content rules may reject downstream
          if (Result.isFailure(outcome))
            assert.include(["out_of_range", "empty_pin", "unknown_media_type"], outcome.failure.reason)
          else checkOutcome(type, outcome)
        }),
        { numRuns: 300 }
      )
      assert.isAtLeast(accepted, 30)
    })
  }

  it("the user is logged with its names joined (never apart) and without unknown keys", () => {
    const checked = userEvent.check({
      ind: 1,
      first_name: " A ",
      last_name: "B",
      age: 30,
      date_joined: "2016-01-01 00:00:00",
      extra: 1
    })
    assert.deepStrictEqual(
      Result.map(checked, (event) => userEvent.logged(event, new Date("2026-11-26T10:00:00.000Z"))),
      Result.succeed({
        ind: 1,
        user_name: "A B",
        age: 30,
        date_joined: "2016-01-01 00:00:00",
        ingested_at: "2026-11-26T10:00:00.000Z"
      })
    )
  })

  it("a reject's raw payload keeps no personal data: user names and pin poster_name dropped, geo kept", () => {
    const user = { ind: 1, first_name: "A", last_name: "B", user_name: "A B", age: "x" }
    assert.deepStrictEqual(userEvent.redact(user), { ind: 1, age: "x" })
    assert.deepStrictEqual(pinEvent.redact({ index: 1, poster_name: "P" }), { index: 1 })
    const geo = { ind: 1, country: "X", first_name: "kept: not a field of geo" }
    assert.strictEqual(geoEvent.redact(geo), geo)
    // anything but an object is kept as it is
    for (const raw of ["first_name", [1], null, 3]) assert.strictEqual(userEvent.redact(raw), raw)
  })
})
