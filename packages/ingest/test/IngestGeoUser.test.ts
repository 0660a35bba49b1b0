import { assert, describe, layer } from "@effect/vitest"
import { PinLogMemory } from "@pinflow/adapters"
import { Effect } from "effect"
import { postJson, send, testServer } from "./support.ts"

const geo = { ind: 3, timestamp: "2019-11-09 07:45:20", latitude: -84.8378, longitude: -167.14, country: "Aruba" }
const user = { ind: 3, first_name: "Amanda", last_name: "Alvarez", age: 21, date_joined: "2015-10-30 01:31:09" }

/** The sum of one Prometheus counter's samples that carry these labels. */
const counted = (text: string, name: string, labels: Record<string, string>): number =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0)

describe("geo and user events at the edge (the pins' contract)", () => {
  layer(testServer(), { excludeTestServices: true })((it) => {
    it.effect("POST /geo/: 200 naming the ind; logged on geos keyed by ind, stamped ingested_at", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/geo/", JSON.stringify({ ...geo, extra: "ignored" }))
        assert.deepStrictEqual([reply.status, reply.json], [200, { status: "accepted", ind: 3 }])
        const logged = yield* (yield* PinLogMemory).eventsOf("geo")
        assert.strictEqual(logged.length, 1)
        const { ingested_at, ...rest } = (logged[0]?.value ?? {}) as Record<string, unknown>
        assert.deepStrictEqual([logged[0]?.key, rest], ["3", geo])
        assert.match(String(ingested_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.deepStrictEqual(yield* (yield* PinLogMemory).pins, [])
      })
    )

    it.effect("POST /geo/: 400 naming every bad field; kept on geos.rejected keyed by ind", () =>
      Effect.gen(function* () {
        const { country: _, ...bad } = { ...geo, ind: 7, latitude: "x" }
        const reply = yield* postJson("/geo/", JSON.stringify(bad))
        assert.strictEqual(reply.status, 400)
        assert.deepStrictEqual(reply.json, {
          error: "invalid geo",
          issues: [
            { path: "latitude", message: 'Expected number, got "x"' },
            { path: "country", message: "Missing key" }
          ]
        })
        const rejected = yield* (yield* PinLogMemory).rejectedOf("geo")
        assert.deepStrictEqual(
          rejected.map((r) => [r.key, r.value.reason, r.value.unique_id]),
          [["7", "schema", "7"]]
        )
      })
    )

    it.effect("POST /users: valid events logged, invalid ones reported per event and kept as rejects", () =>
      Effect.gen(function* () {
        const reply = yield* postJson("/users", JSON.stringify([user, { ...user, ind: 4, age: "old" }]))
        assert.strictEqual(reply.status, 200)
        assert.deepStrictEqual(reply.json, {
          accepted: 1,
          rejected: 1,
          results: [
            { position: 0, status: "accepted", ind: 3 },
            {
              position: 1,
              status: "rejected",
              reason: "schema",
              issues: [{ path: "age", message: 'Expected number, got "old"' }]
            }
          ]
        })
        const memory = yield* PinLogMemory
        // the names are joined at the edge: the topic never holds them apart
        assert.deepStrictEqual(
          (yield* memory.eventsOf("user")).map((r) => {
            const { ingested_at: _, ...value } = r.value as Record<string, unknown>
            return [r.key, value]
          }),
          [["3", { ind: 3, user_name: "Amanda Alvarez", age: 21, date_joined: "2015-10-30 01:31:09" }]]
        )
        // and a reject's raw payload keeps no name
        assert.deepStrictEqual(
          (yield* memory.rejectedOf("user")).map((r) => [r.key, r.value.reason, r.value.raw]),
          [["4", "schema", { ind: 4, age: "old", date_joined: "2015-10-30 01:31:09" }]]
        )
      })
    )

    it.effect("405 on the new paths with another method; metrics labelled by event_type and route", () =>
      Effect.gen(function* () {
        const before = (yield* send("/metrics")).text
        yield* postJson("/user/", JSON.stringify({ ...user, ind: 9 }))
        yield* postJson("/geos", "[]")
        const wrong = yield* send("/users")
        assert.deepStrictEqual(
          [wrong.status, wrong.json],
          [405, { error: "method not allowed", detail: "/users answers POST only, not GET" }]
        )
        const after = (yield* send("/metrics")).text
        const delta = (name: string, labels: Record<string, string>) =>
          counted(after, name, labels) - counted(before, name, labels)
        assert.deepStrictEqual(
          {
            acceptedUser: delta("pinflow_events_accepted_total", { event_type: "user" }),
            acceptedPin: delta("pinflow_events_accepted_total", { event_type: "pin" }),
            userRoute: delta("pinflow_http_requests_total", { route: "/user/", status: "200" }),
            geosRoute: delta("pinflow_http_requests_total", { route: "/geos", status: "400" })
          },
          { acceptedUser: 1, acceptedPin: 0, userRoute: 1, geosRoute: 1 }
        )
      })
    )
  })
})
