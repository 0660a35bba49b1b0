/**
 * The poison corpus: inputs that once stopped, stalled or corrupted a stage, grouped by class. Each entry
 * builds its request (or raw Kafka records) around a marker, so that whatever an accepted poison becomes,
 * a `pins` row or a `pin_rejects` row, the test can find it: element i carries `<marker>.<i>.` in its text.
 */

/**
 * What element i must become where the design says exactly: a pin with these values (`follower_count` as
 * text, bigint), or a reject with this reason and source.
 */
export type Outcome =
  | { readonly pin: { readonly follower_count?: string | null; readonly tags?: ReadonlyArray<string> } }
  | { readonly reject: { readonly reason: string; readonly source: "ingest" | "stream" } }

/** What the edge must answer: any 2xx or 4xx ("not5xx"), any 4xx, or exactly this status. */
export type Expected = "not5xx" | "4xx" | number

export interface HttpPoison {
  readonly kind: "http"
  readonly name: string
  readonly path: "/pin/" | "/pins"
  readonly contentType: string
  readonly body: (marker: string) => string | Uint8Array
  /** Events in the body carrying `<marker>.<i>.`: each must become a row when the answer is 2xx. */
  readonly elements: number
  /** Per element, where the design says exactly what it becomes once accepted. */
  readonly outcomes?: ReadonlyArray<Outcome>
  readonly expected: Expected
  /** An upper bound on the answer's body: work per request stays bounded. */
  readonly maxResponseBytes?: number
  /**
   * The class of batch poison it belongs to: consecutive rows of one class share a pipeline no other row
   * uses, so that a failed day's run names its class.
   */
  readonly batch?: string
  /** Sent this many times at once (requests close together land in one batch of the worker). */
  readonly concurrent?: ReadonlyArray<(marker: string) => string>
}

/** Records written straight to the topic (another producer than the edge), bypassing its checks. */
export interface KafkaPoison {
  readonly kind: "kafka"
  readonly name: string
  readonly topic: "pins" | "rejected"
  readonly records: (marker: string) => ReadonlyArray<{ readonly key: string | null; readonly value: Buffer }>
  /** Records carrying `<marker>.<i>.`: each must become a row. */
  readonly elements: number
  /** Per element, where the design says exactly what it becomes. */
  readonly outcomes?: ReadonlyArray<Outcome>
  /** The class of batch poison it belongs to (see HttpPoison). */
  readonly batch?: string
}

export type Poison = HttpPoison | KafkaPoison

/** The text element i of a poison carries, found in `pins.title` / `pins.unique_id` / `pin_rejects.raw`. */
export const elementMarker = (marker: string, i: number): string => `${marker}.${i}.`

/** A valid event as a client posts it (with `poster_name`, which the edge drops). */
export const goodEvent = (uniqueId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  index: 7,
  unique_id: uniqueId,
  title: "good title",
  description: "good description",
  poster_name: "someone",
  follower_count: "7k",
  tag_list: "travel,sea",
  is_image_or_video: "image",
  image_src: "https://i.pinimg.com/originals/aa/bb/cc.jpg",
  downloaded: 1,
  save_location: "Local save in /data/travel",
  category: "travel",
  ...overrides
})

/** Element i of a poison: a valid event with the marker in its title, then the poisoned fields. */
const marked = (marker: string, i: number, overrides: Record<string, unknown>): Record<string, unknown> =>
  goodEvent(`${elementMarker(marker, i)}id`, { title: `${elementMarker(marker, i)} title`, ...overrides })

const json = "application/json"
const ndjson = "application/x-ndjson"

const pin = (
  name: string,
  overrides: (marker: string) => Record<string, unknown>,
  expected: Expected = "not5xx"
): HttpPoison => ({
  kind: "http",
  name,
  path: "/pin/",
  contentType: json,
  body: (m) => JSON.stringify(marked(m, 0, overrides(m))),
  elements: 1,
  expected
})

/** JSON nested `depth` levels deep: objects `{"a":{"a":…1…}}`. */
export const deepObject = (depth: number): string => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
const deepArray = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`

const bytes = (text: string): Buffer => Buffer.from(text, "utf8")

/** The edge's stamp on a logged event: what the stream worker reads from `pins`. */
const logged = (event: Record<string, unknown>, ingestedAt: string): string => {
  const { poster_name: _dropped, ...rest } = event
  return JSON.stringify({ ...rest, ingested_at: ingestedAt })
}

const nowIso = (): string => new Date().toISOString()

/** A record of `<PINS_TOPIC>.rejected` as the edge writes it, with fields replaced. */
const rejectedRecord = (marker: string, overrides: Record<string, unknown>): Record<string, unknown> => ({
  reason: "schema",
  detail: `${elementMarker(marker, 0)} index: Expected an integer, got "x"`,
  unique_id: `${elementMarker(marker, 0)}id`,
  raw: { unique_id: `${elementMarker(marker, 0)}id`, index: "x" },
  rejected_at: nowIso(),
  ...overrides
})

const follower =
  (value: string): ((m: string) => Record<string, unknown>) =>
  () => ({ follower_count: value })

/**
 * Four text fields of 65,536 code points each, 4 UTF-8 bytes apiece: every field within its limit, the
 * event (over 1 MiB) beyond one Kafka message.
 */
const overLimit = (marker: string, i: number): Record<string, unknown> => {
  const wide = "\u{1F600}".repeat(65_536)
  const title = `${elementMarker(marker, i)}${"\u{1F600}".repeat(65_536 - elementMarker(marker, i).length)}`
  return { title, description: wide, image_src: wide, tag_list: wide }
}

const asPin = (values: { follower_count?: string | null; tags?: ReadonlyArray<string> }): Outcome => ({ pin: values })
const asReject = (reason: string, source: "ingest" | "stream"): Outcome => ({ reject: { reason, source } })
const withOutcomes = <P extends Poison>(row: P, ...outcomes: ReadonlyArray<Outcome>): P => ({ ...row, outcomes })

/** The same row, marked as a poison of the daily batch of this class. */
const forBatch = <P extends Poison>(batch: string, row: P): P => ({ ...row, batch })

/** Rows whose poison goes through the edge (also posted to `pinflow start`). */
export const httpCorpus: ReadonlyArray<HttpPoison> = [
  // follower counts beyond any float or bigint
  forBatch("follower_count", pin("follower_count '1.' + 400 zeros", follower(`1.${"0".repeat(400)}`))),
  forBatch("follower_count", pin("follower_count of 309 digits", follower("9".repeat(309)))),
  forBatch("follower_count", pin("follower_count '0.' + 309 digits", follower(`0.${"5".repeat(309)}`))),
  forBatch("follower_count", pin("follower_count '9'x64 + 'M'", follower(`${"9".repeat(64)}M`))),
  forBatch(
    "follower_count",
    withOutcomes(pin("follower_count '9'x63 (above 2^63-1)", follower("9".repeat(63))), asPin({ follower_count: null }))
  ),
  forBatch(
    "follower_count",
    withOutcomes(pin("follower_count 2^63 exactly", follower("9223372036854775808")), asPin({ follower_count: null }))
  ),
  forBatch(
    "follower_count",
    withOutcomes(
      pin("follower_count '9223372036854775.808k'", follower("9223372036854775.808k")),
      asPin({ follower_count: null })
    )
  ),
  // counts are exact JavaScript numbers: above 2^53-1 a count is null (design.md says 2^63-1; see README)
  forBatch(
    "follower_count",
    withOutcomes(
      pin("follower_count 2^63-1 as '9223372036854775.807k'", follower("9223372036854775.807k")),
      asPin({ follower_count: null })
    )
  ),
  forBatch(
    "follower_count",
    withOutcomes(
      pin("follower_count 2^53-1 as '9007199254740.991k'", follower("9007199254740.991k")),
      asPin({ follower_count: "9007199254740991" })
    )
  ),
  forBatch(
    "follower_count",
    withOutcomes(pin("follower_count 2^53", follower("9007199254740992")), asPin({ follower_count: null }))
  ),
  // lone surrogates: two ids the database would see as one
  {
    kind: "http",
    name: "two unique_ids differing only in lone surrogates, one /pins request",
    path: "/pins",
    contentType: json,
    // JSON.stringify writes a lone surrogate as a \ud800 escape: the raw JSON text a client sends
    body: (m) =>
      JSON.stringify([marked(m, 0, { unique_id: `${m}a\ud800` }), marked(m, 1, { unique_id: `${m}a\udc00` })]),
    elements: 2,
    expected: "not5xx"
  },
  {
    kind: "http",
    name: "two unique_ids differing only in lone surrogates, two concurrent /pin/ requests",
    path: "/pin/",
    contentType: json,
    body: (m) => JSON.stringify(marked(m, 0, { unique_id: `${m}b\ud800` })),
    concurrent: [(m) => JSON.stringify(marked(m, 1, { unique_id: `${m}b\udc00` }))],
    elements: 2,
    expected: "not5xx"
  },
  pin("lone surrogate in the title", (m) => ({ title: `${elementMarker(m, 0)} \udfff` })),
  // oversized analytics keys
  forBatch(
    "tags",
    withOutcomes(
      pin("a tag of 5 KB", () => ({ tag_list: `short,${"t".repeat(5 * 1024)}` })),
      asPin({ tags: ["short"] })
    )
  ),
  forBatch("tags", {
    kind: "http",
    name: "two tags differing only in lone surrogates",
    path: "/pin/",
    contentType: json,
    body: (m) => JSON.stringify(marked(m, 0, { tag_list: "poison\ud800,poison\udc00" })),
    elements: 1,
    expected: "not5xx"
  }),
  forBatch(
    "categories",
    pin("a category of 5 KB", () => ({ category: "c".repeat(5 * 1024) }))
  ),
  forBatch("categories", {
    kind: "http",
    name: "two categories differing only in lone surrogates",
    path: "/pins",
    contentType: json,
    body: (m) =>
      JSON.stringify([marked(m, 0, { category: "poison\ud800" }), marked(m, 1, { category: "poison\udc00" })]),
    elements: 2,
    expected: "not5xx"
  }),
  // nesting
  {
    kind: "http",
    name: "JSON nested 10,000 deep as the body of /pin/",
    path: "/pin/",
    contentType: json,
    body: () => deepObject(10_000),
    elements: 0,
    expected: 400
  },
  {
    kind: "http",
    name: "JSON nested 10,000 deep as one element of a /pins array",
    path: "/pins",
    contentType: json,
    body: (m) => `[${JSON.stringify(marked(m, 0, {}))},${deepArray(10_000)}]`,
    elements: 1,
    expected: "4xx"
  },
  {
    kind: "http",
    name: "JSON nested 10,000 deep as one line of a /pins NDJSON body",
    path: "/pins",
    contentType: ndjson,
    body: (m) => `${JSON.stringify(marked(m, 0, {}))}\n${deepObject(10_000)}\n`,
    elements: 1,
    expected: "not5xx"
  },
  {
    kind: "http",
    name: "a deeply nested extra field (100 levels) in an event",
    path: "/pin/",
    contentType: json,
    body: (m) => JSON.stringify(marked(m, 0, {})).replace(/}$/, `,"extra":${deepObject(100)}}`),
    elements: 1,
    expected: 400
  },
  // bounded work per request
  {
    kind: "http",
    name: "/pins body [0,0,0,...] of 400 KB",
    path: "/pins",
    contentType: json,
    body: () => `[${Array.from({ length: 200 * 1024 }, () => "0").join(",")}]`,
    elements: 0,
    expected: 413,
    maxResponseBytes: 4096
  },
  pin("a 600 KB unique_id", (m) => ({ unique_id: `${elementMarker(m, 0)}${"u".repeat(600 * 1024)}` }), "4xx"),
  {
    kind: "http",
    name: "a 600 KB unique_id beside a good event in /pins",
    path: "/pins",
    contentType: json,
    body: (m) =>
      JSON.stringify([
        marked(m, 0, {}),
        marked(m, 1, { unique_id: `${elementMarker(m, 1)}${"u".repeat(600 * 1024)}` })
      ]),
    elements: 2,
    outcomes: [asPin({ follower_count: "7000" })],
    expected: "not5xx"
  },
  {
    kind: "http",
    name: "an event over the Kafka message limit with every field within its own limit",
    path: "/pin/",
    contentType: json,
    body: (m) => JSON.stringify(marked(m, 0, overLimit(m, 0))),
    elements: 1,
    expected: 413
  },
  {
    kind: "http",
    name: "an event over the Kafka message limit beside a good event in /pins",
    path: "/pins",
    contentType: json,
    body: (m) => JSON.stringify([marked(m, 0, {}), marked(m, 1, overLimit(m, 1))]),
    elements: 2,
    outcomes: [asPin({ follower_count: "7000" }), asReject("too_large", "ingest")],
    expected: 200
  },
  // structure the edge must refuse (cleaning rule 1, media types, bodies)
  pin("NUL in the title", (m) => ({ title: `a\u0000b ${elementMarker(m, 0)}` }), 400),
  pin("NUL in the unique_id", (m) => ({ unique_id: `${elementMarker(m, 0)}\u0000` }), 400),
  pin("a 100,000-char title", (m) => ({ title: `${elementMarker(m, 0)}${"x".repeat(100_000)}` }), 400),
  pin("a 300-char unique_id", (m) => ({ unique_id: `${elementMarker(m, 0)}${"i".repeat(300)}` }), 400),
  pin("index 2^60", () => ({ index: 2 ** 60 }), 400),
  pin("index -2^60", () => ({ index: -(2 ** 60) }), 400),
  pin("index 1.5", () => ({ index: 1.5 }), 400),
  pin('index "3"', () => ({ index: "3" }), 400),
  pin('downloaded "1"', () => ({ downloaded: "1" }), 400),
  pin("downloaded 2", () => ({ downloaded: 2 }), 400),
  {
    kind: "http",
    name: "a body of invalid UTF-8 bytes",
    path: "/pin/",
    contentType: json,
    body: (m) => {
      const [before, after] = JSON.stringify(marked(m, 0, { title: `${elementMarker(m, 0)}@@` })).split("@@")
      return Buffer.concat([bytes(before ?? ""), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), bytes(after ?? "")])
    },
    elements: 1,
    expected: 400
  },
  { kind: "http", name: "an empty body", path: "/pin/", contentType: json, body: () => "", elements: 0, expected: 400 },
  { kind: "http", name: "null", path: "/pin/", contentType: json, body: () => "null", elements: 0, expected: 400 },
  {
    kind: "http",
    name: "null to /pins",
    path: "/pins",
    contentType: json,
    body: () => "null",
    elements: 0,
    expected: 400
  },
  {
    kind: "http",
    name: '"a string"',
    path: "/pin/",
    contentType: json,
    body: () => '"pin"',
    elements: 0,
    expected: 400
  },
  { kind: "http", name: "[] to /pins", path: "/pins", contentType: json, body: () => "[]", elements: 0, expected: 400 },
  { kind: "http", name: "[] to /pin/", path: "/pin/", contentType: json, body: () => "[]", elements: 0, expected: 400 },
  {
    kind: "http",
    name: "Content-Type text/plain",
    path: "/pin/",
    contentType: "text/plain",
    body: (m) => JSON.stringify(marked(m, 0, {})),
    elements: 1,
    expected: 415
  },
  {
    kind: "http",
    name: "NUL in a title beside a good event in /pins NDJSON",
    path: "/pins",
    contentType: ndjson,
    body: (m) =>
      `${JSON.stringify(marked(m, 0, {}))}\n${JSON.stringify(marked(m, 1, { title: `${elementMarker(m, 1)}\u0000` }))}\n`,
    elements: 2,
    expected: 200
  }
]

/**
 * Rows in an order where the rows of one class of batch poison are consecutive (classes in order of first
 * appearance; rows without a class form one group where the first of them stands).
 */
export const groupedByBatch = <P extends Poison>(rows: ReadonlyArray<P>): ReadonlyArray<P> => {
  const groups = new Map<string | undefined, Array<P>>()
  for (const row of rows) groups.set(row.batch, [...(groups.get(row.batch) ?? []), row])
  return [...groups.values()].flat()
}

/** Rows written straight to Kafka (only the Kafka pipeline has them). */
export const kafkaCorpus: ReadonlyArray<KafkaPoison> = [
  {
    kind: "kafka",
    name: "pins.rejected record with rejected_at 0000-01-01T00:00:00Z",
    topic: "rejected",
    records: (m) => [
      { key: null, value: bytes(JSON.stringify(rejectedRecord(m, { rejected_at: "0000-01-01T00:00:00Z" }))) }
    ],
    elements: 1
  },
  {
    kind: "kafka",
    name: "pins.rejected record with rejected_at 2026-13-45T00:00:00Z",
    topic: "rejected",
    records: (m) => [
      { key: null, value: bytes(JSON.stringify(rejectedRecord(m, { rejected_at: "2026-13-45T00:00:00Z" }))) }
    ],
    elements: 1
  },
  {
    kind: "kafka",
    name: "pins.rejected record with a raw nested 10,000 deep",
    topic: "rejected",
    records: (m) => [
      {
        key: null,
        value: bytes(JSON.stringify(rejectedRecord(m, { raw: "@@" })).replace('"@@"', deepObject(10_000)))
      }
    ],
    elements: 1
  },
  {
    kind: "kafka",
    name: "pins.rejected record with a NUL in its detail and raw",
    topic: "rejected",
    records: (m) => [
      {
        key: null,
        value: bytes(JSON.stringify(rejectedRecord(m, { detail: `${elementMarker(m, 0)}\u0000`, raw: "a\u0000b" })))
      }
    ],
    elements: 1
  },
  {
    kind: "kafka",
    name: "pins record with ingested_at 2026-13-45T00:00:00Z",
    topic: "pins",
    records: (m) => [
      { key: `${elementMarker(m, 0)}id`, value: bytes(logged(marked(m, 0, {}), "2026-13-45T00:00:00Z")) }
    ],
    elements: 1,
    outcomes: [asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins record with ingested_at 2026-02-30T00:00:00Z and one with 0000-01-01T00:00:00Z",
    topic: "pins",
    records: (m) => [
      { key: `${elementMarker(m, 0)}id`, value: bytes(logged(marked(m, 0, {}), "2026-02-30T00:00:00Z")) },
      { key: `${elementMarker(m, 1)}id`, value: bytes(logged(marked(m, 1, {}), "0000-01-01T00:00:00Z")) }
    ],
    elements: 2,
    outcomes: [asReject("schema", "stream"), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins records with extended-year ingested_at +275760-09-13T00:00:00.000Z and -000001-01-01T00:00:00.000Z",
    topic: "pins",
    records: (m) =>
      ["+275760-09-13T00:00:00.000Z", "-000001-01-01T00:00:00.000Z"].map((at, i) => ({
        key: `${elementMarker(m, i)}id`,
        value: bytes(logged(marked(m, i, {}), at))
      })),
    elements: 2,
    outcomes: [asReject("schema", "stream"), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "two pins records whose unique_ids differ only in lone surrogates, in one send",
    topic: "pins",
    records: (m) =>
      [0, 1].map((i) => ({
        key: `${m}a`,
        value: bytes(logged(marked(m, i, { unique_id: `${m}a${i === 0 ? "\ud800" : "\udc00"}` }), nowIso()))
      })),
    elements: 2,
    outcomes: [asReject("schema", "stream"), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins records with follower_count '1.' + 400 zeros and '0.' + 309 digits",
    topic: "pins",
    batch: "follower_count",
    records: (m) =>
      [`1.${"0".repeat(400)}`, `0.${"5".repeat(309)}`].map((count, i) => ({
        key: `${elementMarker(m, i)}id`,
        value: bytes(logged(marked(m, i, { follower_count: count }), nowIso()))
      })),
    elements: 2,
    outcomes: [asReject("schema", "stream"), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins records with a 5 KB tag, and with two tags differing only in lone surrogates",
    topic: "pins",
    batch: "tags",
    records: (m) =>
      [`short,${"t".repeat(5 * 1024)}`, "poison\ud800,poison\udc00"].map((tags, i) => ({
        key: `${elementMarker(m, i)}id`,
        value: bytes(logged(marked(m, i, { tag_list: tags }), nowIso()))
      })),
    elements: 2,
    outcomes: [asPin({ tags: ["short"] }), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins records with a 5 KB category, and two categories differing only in lone surrogates",
    topic: "pins",
    batch: "categories",
    records: (m) =>
      ["k".repeat(5 * 1024), "poison\ud800", "poison\udc00"].map((category, i) => ({
        key: `${elementMarker(m, i)}id`,
        value: bytes(logged(marked(m, i, { category }), nowIso()))
      })),
    elements: 3,
    outcomes: [asReject("schema", "stream"), asReject("schema", "stream"), asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins record nested 10,000 deep, and one that is not JSON",
    topic: "pins",
    records: (m) => [
      {
        key: `${elementMarker(m, 0)}id`,
        value: bytes(`{"marker":"${elementMarker(m, 0)}","a":${deepObject(10_000)}}`)
      },
      { key: null, value: bytes(`${elementMarker(m, 1)} not json`) }
    ],
    elements: 2,
    outcomes: [asReject("invalid_json", "stream"), asReject("invalid_json", "stream")]
  },
  {
    kind: "kafka",
    name: "pins record with a JSON-escaped NUL in the title",
    topic: "pins",
    batch: "NUL in an archived value",
    records: (m) => [
      {
        key: `${elementMarker(m, 0)}id`,
        value: bytes(logged(marked(m, 0, { title: `a\u0000b ${elementMarker(m, 0)}` }), nowIso()))
      }
    ],
    elements: 1,
    outcomes: [asReject("schema", "stream")]
  },
  {
    kind: "kafka",
    name: "pins record with a raw NUL byte and invalid UTF-8 in its value",
    topic: "pins",
    batch: "NUL in an archived value",
    records: (m) => {
      const [before, after] = logged(marked(m, 0, { title: `${elementMarker(m, 0)}@@` }), nowIso()).split("@@")
      return [
        {
          key: `${elementMarker(m, 0)}id`,
          value: Buffer.concat([bytes(before ?? ""), Buffer.from([0x00, 0xff, 0xfe]), bytes(after ?? "")])
        }
      ]
    },
    elements: 1,
    outcomes: [asReject("invalid_json", "stream")]
  }
]
