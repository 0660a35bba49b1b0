import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import * as fc from "fast-check"
import { cleanLoggedPin, cleanLoggedPinLine, cleanPin, cleanPinLine } from "../src/Cleaning.ts"
import { CleanPin, CleanPinJson } from "../src/CleanPin.ts"
import { PinEvent } from "../src/PinEvent.ts"
import { validEvent } from "./Hostile.ts"

const event = {
  index: 7,
  unique_id: " 9f1c-id ",
  title: "  A title\nwith a newline ",
  description: "Some text… \u00a0",
  poster_name: "Someone",
  follower_count: "1.5k",
  tag_list: "Art, Puzzle Box,Art",
  is_image_or_video: "multi-video(story page format)",
  image_src: "https://i.pinimg.com/x.jpg",
  downloaded: 1,
  save_location: "Local save in /data/art",
  category: " art "
}

const failure = (outcome: Result.Result<CleanPin, unknown>) => {
  assert.isTrue(Result.isFailure(outcome))
  return Result.isFailure(outcome) ? outcome.failure : undefined
}

describe("cleanPin", () => {
  it("applies every rule of the design to a valid event", () => {
    const outcome = cleanPin(event)
    assert.deepStrictEqual(
      outcome,
      Result.succeed({
        unique_id: "9f1c-id" as CleanPin["unique_id"],
        index: 7,
        title: "A title\nwith a newline",
        description: "Some text…",
        follower_count: 1500,
        tags: ["Art", "Puzzle Box"],
        media_type: "story" as const,
        image_src: "https://i.pinimg.com/x.jpg",
        downloaded: true,
        save_location: "/data/art",
        category: "art"
      })
    )
  })

  it("turns placeholders and empty text into null", () => {
    const outcome = cleanPin({
      ...event,
      title: "No Title Data Available",
      description: " kept ",
      image_src: "Image src error.",
      category: "   ",
      follower_count: "User Info Error",
      tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
      downloaded: 0,
      save_location: " /elsewhere "
    })
    assert.isTrue(Result.isSuccess(outcome))
    if (Result.isSuccess(outcome)) {
      const pin = outcome.success
      assert.deepStrictEqual(
        [pin.title, pin.description, pin.image_src, pin.category, pin.follower_count, pin.tags, pin.downloaded],
        [null, "kept", null, null, null, [], false]
      )
      assert.strictEqual(pin.save_location, "/elsewhere")
    }
  })

  it("maps the three media types and rejects any other", () => {
    const media = (value: string) => {
      const outcome = cleanPin({ ...event, is_image_or_video: value })
      return Result.isSuccess(outcome) ? outcome.success.media_type : outcome.failure.reason
    }
    assert.deepStrictEqual(["image", " video ", "multi-video(story page format)", "gif", "Image", ""].map(media), [
      "image",
      "video",
      "story",
      "unknown_media_type",
      "unknown_media_type",
      "unknown_media_type"
    ])
  })

  it("rejects a pin with neither title nor description as empty_pin, with its id", () => {
    assert.deepStrictEqual(
      failure(cleanPin({ ...event, title: " ", description: "No description available Story format" })),
      { reason: "empty_pin", detail: "title and description are both empty or placeholders", unique_id: "9f1c-id" }
    )
  })

  it("names every bad field of a schema reject", () => {
    const { poster_name: _, ...withoutPoster } = event
    assert.isTrue(Result.isSuccess(cleanPin(withoutPoster)))
    assert.deepStrictEqual(
      failure(cleanPin({ ...event, index: "7", downloaded: 2, unique_id: "  ", title: undefined })),
      {
        reason: "schema",
        detail:
          'index: Expected number, got "7"; unique_id: Expected a non-empty string (after trimming white space), got "  "; title: Expected string, got undefined; downloaded: Expected 0 | 1, got 2'
      }
    )
    assert.deepStrictEqual(failure(cleanPin({ ...event, index: 1.5 })), {
      reason: "schema",
      detail: "index: Expected an integer, got 1.5",
      unique_id: "9f1c-id"
    })
    assert.deepStrictEqual(failure(cleanPin([1])), { reason: "schema", detail: "Expected object, got [1]" })
    const { category: _c, ...withoutCategory } = event
    assert.deepStrictEqual(failure(cleanPin(withoutCategory)), {
      reason: "schema",
      detail: "category: Missing key",
      unique_id: "9f1c-id"
    })
  })

  it("refuses text Postgres cannot store (NUL), naming the field, and keeps no such id", () => {
    assert.deepStrictEqual(failure(cleanPin({ ...event, title: "a\u0000b" })), {
      reason: "schema",
      detail: 'title: Expected text without the NUL character (U+0000), got "a\\u0000b"',
      unique_id: "9f1c-id"
    })
    const rejection = failure(cleanPin({ ...event, unique_id: "x\u0000y" }))
    assert.strictEqual((rejection as { reason: string }).reason, "schema")
    assert.notProperty(rejection, "unique_id")
  })

  it("refuses text no stage could store or index (rule 1 limits), naming the field, what was expected and received", () => {
    const emoji = "\u{1F600}"
    const detail = (input: unknown) => {
      const outcome = cleanPin(input)
      return Result.isFailure(outcome) ? outcome.failure.detail : "clean"
    }
    // two ids differing only in lone surrogates would both become U+FFFD in UTF-8 and collide
    assert.deepStrictEqual(failure(cleanPin({ ...event, unique_id: "a\ud800" })), {
      reason: "schema",
      detail: 'unique_id: Expected well-formed Unicode text (no lone surrogate), got "a\\ud800"'
    })
    // personal data is named, never quoted: details are stored
    assert.strictEqual(
      detail({ ...event, title: "\udc00x", poster_name: `${emoji.slice(1)}` }),
      'title: Expected well-formed Unicode text (no lone surrogate), got "\\udc00x"; poster_name: Expected well-formed Unicode text (no lone surrogate)'
    )
    assert.strictEqual(
      detail({ ...event, unique_id: ` ${"é".repeat(257)} ` }),
      `unique_id: Expected at most 256 code points after trimming white space (this text has 257), got " ${"é".repeat(55)}...`
    )
    assert.strictEqual(detail({ ...event, unique_id: `  ${emoji.repeat(256)}\u00a0` }), "clean")
    assert.strictEqual(
      detail({ ...event, category: "c".repeat(257), follower_count: "1".repeat(65) }),
      `follower_count: Expected at most 64 code points (this text has 65), got "${"1".repeat(56)}...; category: Expected at most 256 code points (this text has 257), got "${"c".repeat(56)}...`
    )
    assert.strictEqual(detail({ ...event, category: emoji.repeat(256), follower_count: "1".repeat(64) }), "clean")
    assert.strictEqual(
      detail({ ...event, description: emoji.repeat(65_537) }),
      `description: Expected at most 65536 code points (this text has 65537), got "${emoji.repeat(28)}...`
    )
    for (const key of [
      "title",
      "description",
      "tag_list",
      "is_image_or_video",
      "image_src",
      "save_location",
      "poster_name"
    ]) {
      // personal data is named, never quoted
      assert.strictEqual(
        detail({ ...event, [key]: "x".repeat(65_537) }),
        `${key}: Expected at most 65536 code points (this text has 65537)${key === "poster_name" ? "" : `, got "${"x".repeat(56)}...`}`
      )
    }
    assert.strictEqual(detail({ ...event, description: emoji.repeat(65_536), tag_list: "t".repeat(65_536) }), "clean")
    assert.strictEqual(
      detail({ ...event, index: 2 ** 53 }),
      "index: Expected a safe integer (at most 2^53 - 1 either side of 0), got 9007199254740992"
    )
    assert.strictEqual(
      detail({ ...event, index: -(2 ** 53) }),
      "index: Expected a safe integer (at most 2^53 - 1 either side of 0), got -9007199254740992"
    )
    // the received value is cut before a surrogate pair, never inside it
    assert.strictEqual(
      detail({ ...event, title: `x${emoji.repeat(40)}\u0000` }),
      `title: Expected text without the NUL character (U+0000), got "x${emoji.repeat(27)}...`
    )
    assert.strictEqual(detail({ ...event, index: 2 ** 53 - 1 }), "clean")
    assert.strictEqual(detail({ ...event, index: -(2 ** 53 - 1) }), "clean")
  })

  it("requires ingested_at to be a real instant of years 0001-9999 on the logged path", () => {
    const { poster_name: _, ...logged } = event
    const detail = (ingested_at: string) => {
      const outcome = cleanLoggedPin({ ...logged, ingested_at })
      return Result.isFailure(outcome) ? outcome.failure.detail : outcome.success.ingested_at
    }
    const expected =
      "ingested_at: Expected an ISO 8601 timestamp of a real instant, years 0001 to 9999, such as 2026-11-26T10:00:00.000Z, got"
    assert.strictEqual(detail("2026-13-45T10:00:00.000Z"), `${expected} "2026-13-45T10:00:00.000Z"`)
    assert.strictEqual(detail("2026-11-26T25:00:00.000Z"), `${expected} "2026-11-26T25:00:00.000Z"`)
    assert.strictEqual(detail("0000-01-01T00:00:00.000Z"), `${expected} "0000-01-01T00:00:00.000Z"`)
    assert.strictEqual(detail("2026-11-26T10:00:00.000Z"), "2026-11-26T10:00:00.000Z")
  })

  it("keeps a rejection's id only when it is storable", () => {
    const id = (unique_id: unknown) => {
      const outcome = cleanPin({ ...event, unique_id, index: "x" })
      return Result.isFailure(outcome) ? (outcome.failure.unique_id ?? "none") : "clean"
    }
    assert.deepStrictEqual([" ok ", "a\ud800", "a\u0000", "é".repeat(257), ` ${"é".repeat(256)} `, " ", 7].map(id), [
      "ok",
      "none",
      "none",
      "none",
      "é".repeat(256),
      "none",
      "none"
    ])
  })

  it("ignores unknown extra keys", () => {
    assert.isTrue(Result.isSuccess(cleanPin({ ...event, extra: { nested: true }, another: 1 })))
  })

  it("rejects a line that is not JSON as invalid_json", () => {
    const rejection = failure(cleanPinLine("{not json"))
    assert.strictEqual((rejection as { reason: string }).reason, "invalid_json")
    // the parser quotes the text, NUL included: the detail shows it escaped, so it can be stored
    const nul = failure(cleanPinLine("\u0000")) as { reason: string; detail: string }
    assert.strictEqual(nul.reason, "invalid_json")
    assert.isFalse(nul.detail.includes("\u0000"))
    assert.include(nul.detail, "\\u0000")
  })

  it("keeps ingested_at through the logged-event path and requires it there", () => {
    const { poster_name: _, ...logged } = event
    const outcome = cleanLoggedPinLine(JSON.stringify({ ...logged, ingested_at: "2026-11-26T10:00:00.000Z" }))
    assert.strictEqual(Result.isSuccess(outcome) ? outcome.success.ingested_at : null, "2026-11-26T10:00:00.000Z")
    assert.deepStrictEqual(failure(cleanLoggedPinLine(JSON.stringify(logged))), {
      reason: "schema",
      detail: "ingested_at: Missing key",
      unique_id: "9f1c-id"
    })
  })
})

describe("cleanPin properties", () => {
  it("is total on arbitrary JSON values and strings", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const outcome = cleanPin(value)
        return Result.isSuccess(outcome) || outcome.failure.reason === "schema"
      })
    )
    fc.assert(fc.property(fc.string(), (line) => Result.isResult(cleanPinLine(line))))
  })

  it("is total on events whose fields are each valid, missing or anything", () => {
    const field = <A>(valid: fc.Arbitrary<A>) => fc.oneof(valid, fc.anything(), fc.constant(undefined))
    const almostEvents = fc.record({
      index: field(fc.integer()),
      unique_id: field(fc.string()),
      title: field(fc.string()),
      description: field(fc.string()),
      follower_count: field(fc.string()),
      tag_list: field(fc.string()),
      is_image_or_video: field(fc.constantFrom("image", "video", "multi-video(story page format)")),
      image_src: field(fc.string()),
      downloaded: field(fc.constantFrom(0, 1)),
      save_location: field(fc.string()),
      category: field(fc.string())
    })
    fc.assert(fc.property(almostEvents, (value) => Result.isResult(cleanPin(value))))
  })

  it.prop("a structurally valid event is never a schema reject", [PinEvent], ([valid]) => {
    const outcome = cleanPin(valid)
    assert.isTrue(Result.isSuccess(outcome) || outcome.failure.reason !== "schema")
  })

  it("clean pins have trimmed text and no placeholders", () => {
    // the schema's own events have arbitrary media types (almost all unknown_media_type): use valid ones
    const placeholder = fc.constantFrom("No Title Data Available", "No description available", "Image src error.", " ")
    const events = fc.record({
      event: validEvent,
      title: fc.oneof(
        validEvent.map((e) => e.title),
        placeholder
      ),
      description: fc.oneof(
        validEvent.map((e) => e.description),
        placeholder
      ),
      image_src: fc.oneof(
        validEvent.map((e) => e.image_src),
        placeholder
      )
    })
    let clean = 0
    fc.assert(
      fc.property(events, ({ event, title, description, image_src }) => {
        const valid = { ...event, title, description, image_src }
        const outcome = cleanPin(valid)
        if (Result.isFailure(outcome)) {
          assert.strictEqual(outcome.failure.reason, "empty_pin")
          return
        }
        clean++
        const pin = outcome.success
        for (const text of [pin.title, pin.description, pin.image_src, pin.category]) {
          assert.isTrue(text === null || (text.length > 0 && text === text.trim()))
        }
        assert.isFalse(pin.title === null && pin.description === null)
        assert.notStrictEqual(pin.title, "No Title Data Available")
        assert.notInclude(["No description available", "No description available Story format"], pin.description)
        assert.notStrictEqual(pin.image_src, "Image src error.")
        assert.strictEqual(pin.unique_id, valid.unique_id.trim())
      }),
      { numRuns: 500 }
    )
    // most cases must reach the assertions above, not return early as rejections
    assert.isAtLeast(clean, 300)
  })

  it.effect.prop("every clean pin survives encode → decode", { pin: CleanPin }, ({ pin }) =>
    Effect.gen(function* () {
      const json = Schema.encodeSync(CleanPinJson)(pin)
      const back = yield* Schema.decodeUnknownEffect(CleanPinJson)(json)
      assert.strictEqual(Schema.encodeSync(CleanPinJson)(back), json)
    })
  )
})
