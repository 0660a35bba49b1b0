/**
 * Generated requests for the whole-pipeline property test: good events (valid by construction, so the
 * test knows without the domain's code that they must land), the same events with one field broken in
 * every way a client or attacker can (exotic numbers written as raw JSON text, lone surrogates, NUL,
 * long strings, deep nesting, wrong types, missing keys), arbitrary JSON and text, and `/pins` bodies
 * (JSON arrays and NDJSON with bad lines) mixing them.
 */
import fc from "fast-check"

/** A posted value as JSON text; `good` when it is valid by construction and has content (must land). */
export interface Item {
  readonly text: string
  readonly good: boolean
  /** The `unique_id` a good event carries (already trimmed). */
  readonly id?: string
}

export interface Request {
  readonly path: "/pin/" | "/pins"
  readonly contentType: string
  readonly body: string
  /** The values of the body in order (a `/pins` body's non-blank lines or array elements); [] when unknown. */
  readonly items: ReadonlyArray<Item>
}

/** A few ids, so repeats (the latest version wins) and bad versions of good ids are common. */
const ids = ["0b6c1d7e-0000-4000-8000-000000000001", "0b6c1d7e-0000-4000-8000-000000000002", "pin-3", "pin-4"]

const text = (min: number, max: number) => fc.string({ minLength: min, maxLength: max })

/** The same ids with white space around them (JavaScript's trim: NBSP, BOM, line separators too). */
const paddedIds = ids.map((id, i) => [` ${id}`, `${id}\u00a0`, `\ufeff${id}\t`, `\u2028${id}`][i % 4] ?? id)

const goodEvent = fc.record({
  index: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  unique_id: fc.constantFrom(...ids, ...paddedIds),
  title: text(0, 30).map((t) => `Title ${t}`),
  description: fc.oneof(text(0, 40), fc.constantFrom("No description available", "  spaced  ")),
  poster_name: fc.constantFrom("Ann", "User Info Error"),
  follower_count: fc.constantFrom("7k", "1.5k", "123", "0", "2M", "User Info Error", "999999999999999999999999k"),
  tag_list: fc.constantFrom("a,b, a ,c", "No Tags Available", "", "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"),
  is_image_or_video: fc.constantFrom("image", "video", "multi-video(story page format)", " image "),
  image_src: fc.constantFrom("https://i.pinimg.com/a.jpg", "Image src error."),
  downloaded: fc.constantFrom(0, 1),
  save_location: fc.constantFrom("Local save in /data/art", "/elsewhere"),
  category: fc.constantFrom("art", "mens-fashion", "")
})

type Event = Record<string, unknown>

/** A value written into the JSON text as it is (numbers JSON.stringify cannot produce, deep nesting). */
class Raw {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/** JSON text of `value`, with every `Raw` inlined verbatim. */
const toJson = (value: unknown): string => {
  const raws: Array<string> = []
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v.text)
      return `\u0001raw${raws.length - 1}\u0001`
    }
    return v
  })
  return json.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)] ?? "null")
}

const nested = (depth: number) => new Raw(`${"[".repeat(depth)}${"]".repeat(depth)}`)

const exoticValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    ...[
      "1e999",
      "-1e999",
      "-0",
      "1e-400",
      "9007199254740993",
      "-9007199254740993",
      "123456789012345678901234567890",
      "1.5",
      "1E2"
    ].map((n) => new Raw(n))
  ),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e308, 0.1, -1),
  fc.constantFrom("\ud800", "a\udc00b", "\udfff\ud800", "nul\u0000here", "", "   ", "\u00a0", "\u2028x"),
  fc.constantFrom(63, 64, 65, 2000).map(nested),
  fc.constantFrom(256, 257, 65_536, 65_537, 300_000).map((n) => "x".repeat(n)),
  fc.constantFrom("2026-02-30T00:00:00.000Z", "not a time", "+275760-09-13T00:00:00.000Z")
)

const fields = [
  "index",
  "unique_id",
  "title",
  "description",
  "poster_name",
  "follower_count",
  "tag_list",
  "is_image_or_video",
  "image_src",
  "downloaded",
  "save_location",
  "category",
  "ingested_at",
  "extra"
] as const

/** A good event with one to three fields replaced by exotic values or removed. */
const brokenEvent = fc
  .tuple(
    goodEvent,
    fc.array(fc.tuple(fc.constantFrom(...fields), fc.option(exoticValue, { nil: undefined })), {
      minLength: 1,
      maxLength: 3
    })
  )
  .map(([event, changes]): Item => {
    const broken: Event = { ...event }
    for (const [field, value] of changes) {
      if (value === undefined) delete broken[field]
      else broken[field] = value
    }
    return { text: toJson(broken), good: false }
  })

const good = goodEvent.map((event): Item => ({ text: toJson(event), good: true, id: event.unique_id.trim() }))

const junk: fc.Arbitrary<Item> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v), good: false })),
  fc.constantFrom("{", "nul", '{"a":1', "[1,2", "\u0000", '"\\ud800"').map((t) => ({ text: t, good: false })),
  fc.constantFrom(64, 65, 100_000).map((d) => ({ text: nested(d).text, good: false }))
)

const item = fc.oneof(
  { weight: 4, arbitrary: good },
  { weight: 4, arbitrary: brokenEvent },
  { weight: 1, arbitrary: junk }
)

/** One line of NDJSON per item: an item's text must not hold a raw line break (JSON escapes them). */
const oneLine = (i: Item) => !i.text.includes("\n") && i.text.trim().length > 0

const single = item.map((i): Request => ({ path: "/pin/", contentType: "application/json", body: i.text, items: [i] }))

const array = fc.array(fc.oneof(good, brokenEvent), { minLength: 1, maxLength: 6 }).map(
  (items): Request => ({
    path: "/pins",
    contentType: "application/json",
    body: `[${items.map((i) => i.text).join(",")}]`,
    items
  })
)

const ndjson = fc.array(item.filter(oneLine), { minLength: 1, maxLength: 6 }).chain((items) =>
  fc.boolean().map(
    (blankLines): Request => ({
      path: "/pins",
      contentType: "application/x-ndjson",
      body: items.map((i) => i.text).join(blankLines ? "\n\n" : "\n"),
      items
    })
  )
)

/** A body that is none of the above (binary, wrong type): only "never a 5xx" is checked. */
const odd = fc
  .tuple(
    fc.constantFrom("/pin/" as const, "/pins" as const),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.constantFrom("application/json", "text/plain", "")
  )
  .map(([path, body, contentType]): Request => ({ path, contentType, body, items: [] }))

/**
 * A record another producer put on the `pins` topic, not the edge: any text, keyed by its trimmed id when
 * it has one (as a well-behaved producer keys), stamped with a good, impossible or no `ingested_at`.
 */
export interface Foreign {
  readonly key: string | null
  readonly value: string
}

const stamp = fc.constantFrom(
  "2026-11-30T12:00:00.000Z",
  "2026-11-30T23:59:59.999+05:00",
  "2026-02-30T00:00:00.000Z",
  // instants JavaScript has but ISO days of years 0001-9999 do not
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00.000Z",
  "0000-06-01T00:00:00.000Z",
  "Tue, 01 Dec 2026 10:00:00 GMT",
  "not a time",
  "",
  undefined
)

const foreign: fc.Arbitrary<Foreign> = fc.tuple(item, stamp).map(([i, at]): Foreign => {
  let value = i.text
  let id: unknown
  try {
    const parsed: unknown = JSON.parse(i.text)
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      id = (parsed as { unique_id?: unknown }).unique_id
      if (at !== undefined) value = JSON.stringify({ ...parsed, ingested_at: at })
    }
  } catch {
    // not JSON: kept as it is
  }
  return { key: typeof id === "string" ? id.trim() : null, value }
})

/** The requests of one case, whether they are sent one after the other or all at once, and foreign records. */
export interface Case {
  readonly requests: ReadonlyArray<Request>
  readonly concurrent: boolean
  readonly foreign: ReadonlyArray<Foreign>
}

export const cases: fc.Arbitrary<Case> = fc.record({
  requests: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: single },
      { weight: 2, arbitrary: array },
      { weight: 3, arbitrary: ndjson },
      { weight: 1, arbitrary: odd }
    ),
    { maxLength: 6 }
  ),
  concurrent: fc.boolean(),
  foreign: fc.array(foreign, { maxLength: 3 })
})

/** A valid pin as another producer might log it, stamped `ingestedAt`. */
const foreignPin = (id: string, ingestedAt: string) => ({
  key: id,
  value: JSON.stringify({
    index: 1,
    unique_id: id,
    title: "A title",
    description: "A description",
    follower_count: "7k",
    tag_list: "a,b",
    is_image_or_video: "image",
    image_src: "https://i.pinimg.com/a.jpg",
    downloaded: 0,
    save_location: "Local save in /data/art",
    category: "art",
    ingested_at: ingestedAt
  })
})

/** Instants JavaScript parses whose ISO text is no day of years 0001-9999: one reject each, in both stages. */
export const outOfRangeInstants: Case = {
  requests: [],
  concurrent: false,
  foreign: [
    foreignPin("year-275760", "+275760-09-13T00:00:00.000Z"),
    foreignPin("year-minus-1", "-000001-01-01T00:00:00.000Z"),
    foreignPin("year-0", "0000-06-01T00:00:00.000Z"),
    foreignPin("a-good-neighbour", "2026-11-30T12:00:00.000Z")
  ]
}
