import { assert, describe, layer } from "@effect/vitest"
import { PinLogMemory } from "@pinflow/adapters"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import fc from "fast-check"
import { sampleEvent, testServer } from "./support.ts"

const mutatedEvent = fc
  .record({
    drop: fc.subarray(Object.keys(sampleEvent())),
    set: fc.dictionary(fc.constantFrom(...Object.keys(sampleEvent()), "extra"), fc.jsonValue(), { maxKeys: 4 })
  })
  .map(({ drop, set }) => {
    const event: Record<string, unknown> = { ...sampleEvent(), ...set }
    for (const key of drop) delete event[key]
    return JSON.stringify(event)
  })

const body = fc.oneof(
  mutatedEvent,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(mutatedEvent, { maxLength: 5 }).map((xs) => `[${xs.join(",")}]`),
  fc.array(fc.oneof(mutatedEvent, fc.string({ maxLength: 40 })), { maxLength: 5 }).map((xs) => xs.join("\n"))
)

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/x-ndjson",
  "text/plain",
  "application/octet-stream",
  ""
)

describe("no input makes the edge answer 5xx", () => {
  layer(testServer({ maxPinBody: 2_048, maxPinsBody: 8_192 }), { excludeTestServices: true })((it) => {
    it.effect("random bodies, content types and paths get a 2xx or a 4xx with a JSON body", () =>
      Effect.gen(function* () {
        const base = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(address))
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.constantFrom("/pin/", "/pins", "/pin", "/pins/"),
              body,
              contentType,
              async (path, text, type) => {
                const response = await fetch(`${base}${path}`, {
                  method: "POST",
                  body: text,
                  headers: type === "" ? {} : { "content-type": type }
                })
                const answer = await response.text()
                if (response.status >= 500) throw new Error(`${response.status} for ${JSON.stringify(text)}: ${answer}`)
                if (
                  response.status !== 200 &&
                  response.status !== 400 &&
                  response.status !== 413 &&
                  response.status !== 415
                )
                  throw new Error(`unexpected ${response.status}`)
                JSON.parse(answer)
              }
            ),
            { numRuns: 300, seed: 20261126 }
          )
        )
        // Everything refused was kept on the rejected topic, with its reason.
        const rejected = yield* (yield* PinLogMemory).rejected
        assert.isTrue(rejected.length > 0)
        assert.isTrue(rejected.every((r) => ["schema", "invalid_json"].includes(r.value.reason)))
      })
    )
  })
})
