import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { eventTypeNamed, eventTypes } from "../src/EventTypes.ts"
import { geoEvent } from "../src/GeoEventType.ts"
import { pinEvent } from "../src/PinEventType.ts"
import { sourceTimePattern } from "../src/SourceTime.ts"
import { userEvent } from "../src/UserEventType.ts"

const columnsOf = (type: (typeof eventTypes)[number]) => type.table.columns.map((c) => `${c.name} ${c.sqlType}`)

describe("the event-type registry", () => {
  it("names each type, its route, topic variable and table once", () => {
    assert.deepStrictEqual(
      eventTypes.map((t) => [
        t.name,
        t.plural,
        t.rowField,
        t.topicVariable,
        t.table.name,
        t.table.key,
        t.table.kafkaCoordinates
      ]),
      [
        ["pin", "pins", "index", "PINS_TOPIC", "pins", "unique_id", true],
        ["geo", "geos", "ind", "GEOS_TOPIC", "geo_events", "ind", true],
        ["user", "users", "ind", "USERS_TOPIC", "users", "ind", true]
      ]
    )
    assert.strictEqual(eventTypeNamed("geo"), geoEvent)
  })

  it("derives each table's columns from the clean row: today's pins columns, and design.md's geo and user", () => {
    assert.deepStrictEqual(columnsOf(pinEvent), [
      "unique_id text",
      "pin_index bigint",
      "title text",
      "description text",
      "follower_count bigint",
      "tags text[]",
      "media_type text",
      "image_src text",
      "downloaded boolean",
      "save_location text",
      "category text",
      "ingested_at timestamptz"
    ])
    assert.deepStrictEqual(columnsOf(geoEvent), [
      "ind bigint",
      "event_time timestamptz",
      "latitude double precision",
      "longitude double precision",
      "coordinates double precision[]",
      "country text",
      "ingested_at timestamptz"
    ])
    assert.deepStrictEqual(columnsOf(userEvent), [
      "ind bigint",
      "user_name text",
      "age integer",
      "date_joined timestamptz",
      "ingested_at timestamptz"
    ])
    const row = { ind: 3, user_name: "Amanda Alvarez", age: 21, date_joined: "2015-10-30T01:31:09.000Z" }
    // an absent ingested_at (a row cleaned offline) is SQL NULL, never undefined
    assert.deepStrictEqual(
      userEvent.table.columns.map((c) => c.value(row)),
      [3, "Amanda Alvarez", 21, "2015-10-30T01:31:09.000Z", null]
    )
  })

  it("pin: the edge's fast path and the schema agree; logged drops poster_name and unknown keys", () => {
    const event = {
      index: 1,
      unique_id: " id-1 ",
      title: "t",
      description: "",
      follower_count: "7k",
      tag_list: "a",
      is_image_or_video: "image",
      image_src: "",
      downloaded: 1,
      save_location: "",
      category: "art",
      poster_name: "Someone",
      extra: true
    }
    const checked = pinEvent.check(event)
    assert.isTrue(Result.isSuccess(checked))
    if (Result.isFailure(checked)) return
    assert.deepStrictEqual(checked, pinEvent.check(Object.assign(Object.create({ inherited: 1 }), event)))
    assert.strictEqual(pinEvent.key(checked.success), "id-1")
    const { poster_name: _, extra: __, ...kept } = event
    assert.deepStrictEqual(pinEvent.logged(checked.success, new Date(0)), {
      ...kept,
      ingested_at: "1970-01-01T00:00:00.000Z"
    })
    const refused = pinEvent.check({ ...event, index: "1", downloaded: 2 })
    assert.deepStrictEqual(
      Result.map(Result.flip(refused), (issues) => issues.issues.map((i) => i.path)),
      Result.succeed(["index", "downloaded"])
    )
  })

  it("geo and user: OpenAPI declares the edge's limits", () => {
    const geo = Schema.toJsonSchemaDocument(geoEvent.posted).schema
    assert.deepStrictEqual(geo.required, ["ind", "timestamp", "latitude", "longitude", "country"])
    const props = geo.properties as Record<string, Record<string, unknown>>
    assert.strictEqual(props.timestamp?.pattern, sourceTimePattern)
    // at most 256 code points once trimmed (blank allowed: no country)
    const trimmedAtMost256 = "^\\s*(?:|\\S|\\S[\\s\\S]{0,254}\\S)\\s*$"
    assert.strictEqual(props.country?.pattern, trimmedAtMost256)
    assert.isTrue(new RegExp(trimmedAtMost256, "u").test(`${" ".repeat(300)}X`))
    assert.isFalse(new RegExp(trimmedAtMost256, "u").test("X".repeat(257)))
    assert.deepStrictEqual(props.latitude, { type: "number" })
    assert.strictEqual(props.ind?.type, "integer")
    const user = Schema.toJsonSchemaDocument(userEvent.posted).schema
    assert.deepStrictEqual(user.required, ["ind", "first_name", "last_name", "age", "date_joined"])
    const userProps = user.properties as Record<string, Record<string, unknown>>
    assert.strictEqual(userProps.first_name?.pattern, trimmedAtMost256)
    assert.strictEqual(userProps.last_name?.pattern, trimmedAtMost256)
    assert.strictEqual(userProps.date_joined?.pattern, sourceTimePattern)
  })
})
