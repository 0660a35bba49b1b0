/**
 * Generators of the values no stage may choke on: text of every plane with lone surrogates and NUL,
 * 100,000-character strings, strings on each rule-1 limit, numbers JSON cannot carry, BigInts and values
 * nested 10,000 levels deep. fast-check's own `unit: "binary"` never yields a lone surrogate, hence `unit`.
 */
import * as fc from "fast-check"

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.constantFrom("\u0000", " ", "\u00a0", "\u2028", "\ufeff", ",", "\n") }
)

/** Any UTF-16 text: every plane, lone surrogates, NUL, white space and commas. */
export const anyString = (constraints: { readonly maxLength?: number } = {}) => fc.string({ unit, ...constraints })

const emoji = "\u{1F600}"

/** Strings at and just past each limit (counted in code points, astral ones included), and 100,000-unit ones. */
export const longStrings = fc.constantFrom(
  "x".repeat(100_000),
  emoji.repeat(50_000),
  `x${emoji.repeat(50_000)}`,
  " ".repeat(100_000),
  "1".repeat(100_000),
  `1.${"0".repeat(99_998)}`,
  `${"9".repeat(50_000)}.${"5".repeat(49_999)}k`,
  "a,".repeat(50_000),
  `${"t".repeat(300)},${"u".repeat(256)}`,
  "a\ud800".repeat(50_000),
  "\u0000".repeat(100_000),
  "x".repeat(64),
  "x".repeat(65),
  emoji.repeat(64),
  emoji.repeat(65),
  "é".repeat(256),
  "é".repeat(257),
  emoji.repeat(256),
  emoji.repeat(257),
  ` ${emoji.repeat(256)} `,
  "x".repeat(65_536),
  "x".repeat(65_537),
  emoji.repeat(65_536),
  emoji.repeat(65_537)
)

export const edgeStrings = fc.constantFrom(
  "",
  " ",
  "\t\n",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "a\u0000b",
  "\u0000",
  "\ud800",
  "a\udc00",
  `${emoji.slice(0, 1)}x`,
  "image",
  " video ",
  "multi-video(story page format)",
  "No Title Data Available",
  "No description available",
  "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
  "1.5k",
  "User Info Error",
  "2026-11-26T10:00:00.000Z",
  "0000-01-01T00:00:00.000Z",
  "2026-13-45T25:00:00.000Z",
  "2026-02-29T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z"
)

export const hostileString = fc.oneof(
  { weight: 4, arbitrary: anyString() },
  { weight: 2, arbitrary: edgeStrings },
  { weight: 1, arbitrary: longStrings }
)

export const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    1.5
  )
)

/** `depth` levels of arrays or objects around `leaf`, built without recursion. */
export const nested = (depth: number, kind: "array" | "object", leaf: unknown = 1): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value }
  return value
}

const deepValues = [nested(10_000, "array"), nested(10_000, "object"), nested(65, "array"), nested(64, "object")]

export const deepValue = fc.constantFrom(...deepValues)

/** Any in-memory value a caller could hand over: JSON, and what JSON cannot carry. */
export const hostileValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue() },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, Symbol("s"), () => 1) },
  { weight: 1, arbitrary: deepValue }
)

/** Valid text by rule 1 (storable, at most `max` code points) from the same alphabet. */
export const storableString = (max = 30) =>
  anyString({ maxLength: max }).filter((s) => s.isWellFormed() && !s.includes("\u0000"))

const mediaTypes = ["image", "video", "multi-video(story page format)"] as const

/** Valid events (rule 1) whose content makes most of them clean pins. */
export const validEvent = fc.record({
  index: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  unique_id: storableString().filter((s) => s.trim().length > 0),
  title: fc.oneof(
    storableString().filter((s) => s.trim().length > 0),
    storableString()
  ),
  description: storableString(),
  follower_count: fc.oneof(storableString(), fc.constantFrom("7k", "1.5k", "2M", "0", "User Info Error")),
  tag_list: storableString(),
  is_image_or_video: fc.constantFrom(...mediaTypes, " image "),
  image_src: storableString(),
  downloaded: fc.constantFrom(0, 1),
  save_location: storableString(),
  category: storableString()
})

/** ISO times of instants PostgreSQL stores, as the edge writes them. */
export const storableInstant = fc
  .date({ min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
  .map((date) => date.toISOString())

/** A valid event with each field, sometimes, replaced by a hostile value or removed; extra keys too. */
export const hostileEvent = fc
  .tuple(
    validEvent,
    fc.array(
      fc.tuple(
        fc.constantFrom(
          "index",
          "unique_id",
          "title",
          "description",
          "follower_count",
          "tag_list",
          "is_image_or_video",
          "image_src",
          "downloaded",
          "save_location",
          "category",
          "poster_name",
          "ingested_at",
          "extra"
        ),
        fc.option(hostileValue, { nil: undefined, freq: 8 })
      ),
      { maxLength: 3 }
    ),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostileString },
      { weight: 4, arbitrary: storableInstant }
    )
  )
  .map(([event, changes, ingestedAt]) => {
    const out: Record<string, unknown> = { ...event }
    if (ingestedAt !== undefined) out.ingested_at = ingestedAt
    for (const [key, value] of changes) {
      if (value === undefined) delete out[key]
      else out[key] = value
    }
    return out
  })
