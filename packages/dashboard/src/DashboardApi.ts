/**
 * The dashboard's JSON contract under `/api/`: every endpoint's query and answer as Schemas, served by
 * `HttpApiBuilder` and published as `/api/openapi.json`. Lists are keyset-paginated (`limit`, `before`).
 */
import { IsoInstant, isoInstantMillis } from "@pinflow/domain"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, OpenApi } from "effect/http-api"

/** The key is missing or wrong (`DASHBOARD_KEY`, else `INGEST_API_KEY`). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { detail: Schema.String }) {}
/** The database did not answer (or refused the query); the page keeps its last data and retries. */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  detail: Schema.String
}) {}
/** A query value the database cannot read (a malformed cursor, an impossible date). */
export class InvalidQuery extends Schema.TaggedError<InvalidQuery>()("InvalidQuery", { detail: Schema.String }) {}
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { detail: Schema.String }) {}

const errors = [
  InvalidQuery.pipe(HttpApiSchema.status(400)),
  Unauthorized.pipe(HttpApiSchema.status(401)),
  DatabaseUnavailable.pipe(HttpApiSchema.status(503))
]

const IntParam = (min: number, max: number) =>
  Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: min, maximum: max }))
const Limit = Schema.optionalKey(IntParam(1, 200))
/** An instant as ISO 8601 text; answers are UTC with microseconds ("2026-12-01T02:44:05.123456Z"). */
const Instant = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/)
)
const IsoDay = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/))
/**
 * Query instants and days must name a real one: the database client would turn "2026-02-30" into
 * 2 March (a JS Date) rather than refuse it.
 */
const QueryInstant = IsoInstant
const QueryDay = IsoDay.check(
  Schema.makeFilter<string>((day) => isoInstantMillis(`${day}T00:00:00Z`) !== undefined, {
    message: "Expected a calendar day that exists, such as 2026-11-30"
  })
)

export const MinuteCount = Schema.Struct({ minute: Instant, accepted: Schema.Int, refused: Schema.Int })
export const Overview = Schema.Struct({
  generated_at: Instant,
  /** Oldest first; every minute of the window, zeros included. */
  minutes: Schema.Array(MinuteCount),
  accepted: Schema.Int,
  refused: Schema.Int,
  /** Over the last `rate_window_seconds`: events (pins + rejects) by ingest time, rows by write time. */
  events_per_second: Schema.Finite,
  rows_written_per_second: Schema.Finite,
  rate_window_seconds: Schema.Int
})
export type Overview = typeof Overview.Type

/** The event types the feed and the rejects know; a new type is one literal here and one query. */
export const EventType = Schema.Literals(["pin"])
export type EventType = typeof EventType.Type

export const PinItem = Schema.Struct({
  unique_id: Schema.String,
  index: Schema.String,
  title: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  /** Decimal text: counts can exceed 2^53. */
  follower_count: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String),
  media_type: Schema.String,
  image_src: Schema.NullOr(Schema.String),
  downloaded: Schema.Boolean,
  save_location: Schema.String,
  category: Schema.NullOr(Schema.String),
  ingested_at: Instant,
  processed_at: Instant
})
export type PinItem = typeof PinItem.Type
export const FeedPage = Schema.Struct({ items: Schema.Array(PinItem), next: Schema.NullOr(Schema.String) })
export type FeedPage = typeof FeedPage.Type

export const RejectSource = Schema.Literals(["ingest", "stream", "batch"])
export const RejectItem = Schema.Struct({
  id: Schema.String,
  reason: Schema.String,
  source: Schema.String,
  detail: Schema.String,
  unique_id: Schema.NullOr(Schema.String),
  /** The first 200 characters of the payload as received. */
  raw_preview: Schema.String,
  raw_length: Schema.Int,
  rejected_at: Instant
})
export const RejectPage = Schema.Struct({ items: Schema.Array(RejectItem), next: Schema.NullOr(Schema.String) })
export type RejectPage = typeof RejectPage.Type
export const RejectDetail = Schema.Struct({
  ...RejectItem.fields,
  raw: Schema.String,
  topic: Schema.NullOr(Schema.String),
  partition: Schema.NullOr(Schema.Int),
  offset: Schema.NullOr(Schema.String),
  object_key: Schema.NullOr(Schema.String),
  line: Schema.NullOr(Schema.Int)
})
export type RejectDetail = typeof RejectDetail.Type
export const RejectCount = Schema.Struct({ reason: Schema.String, source: Schema.String, rejects: Schema.Int })
export const RejectSummary = Schema.Struct({ hours: Schema.Int, counts: Schema.Array(RejectCount) })
export type RejectSummary = typeof RejectSummary.Type

export const BatchRunItem = Schema.Struct({
  id: Schema.String,
  day: IsoDay,
  status: Schema.String,
  started_at: Instant,
  finished_at: Schema.NullOr(Instant),
  duration_seconds: Schema.NullOr(Schema.Finite),
  counts: Schema.Record(Schema.String, Schema.Finite),
  reconciliation_gap: Schema.NullOr(Schema.Finite),
  error: Schema.NullOr(Schema.String)
})
export const BatchRunPage = Schema.Struct({ items: Schema.Array(BatchRunItem), next: Schema.NullOr(Schema.String) })
export type BatchRunPage = typeof BatchRunPage.Type

export const CategoryDay = Schema.Struct({
  day: IsoDay,
  category: Schema.String,
  pins: Schema.Int,
  median_follower_count: Schema.NullOr(Schema.Finite),
  downloaded_ratio: Schema.Finite
})
export const CategoryStats = Schema.Struct({ days: Schema.Array(IsoDay), rows: Schema.Array(CategoryDay) })
export type CategoryStats = typeof CategoryStats.Type
export const TagCount = Schema.Struct({ tag: Schema.String, pins: Schema.Int })
export const TopTags = Schema.Struct({ day: Schema.NullOr(IsoDay), items: Schema.Array(TagCount) })
export type TopTags = typeof TopTags.Type

export const PartitionLag = Schema.Struct({ topic: Schema.String, partition: Schema.String, lag: Schema.Finite })
export const MetricsSourceState = Schema.Struct({
  url: Schema.String,
  ok: Schema.Boolean,
  error: Schema.NullOr(Schema.String)
})
export const WorkerMetrics = Schema.Struct({
  sources: Schema.Array(MetricsSourceState),
  lag: Schema.Array(PartitionLag),
  last_commit_age_seconds: Schema.NullOr(Schema.Finite),
  /** Write latency quantiles over the writes of the last `window_seconds` (0: since the sources started; null: none). */
  write_p50_seconds: Schema.NullOr(Schema.Finite),
  write_p99_seconds: Schema.NullOr(Schema.Finite),
  writes_in_window: Schema.Finite,
  window_seconds: Schema.Finite
})
export type WorkerMetrics = typeof WorkerMetrics.Type

const get = <const Name extends string, const Path extends `/${string}`>(name: Name, path: Path, description: string) =>
  ({ name, path, description }) as const

const doc = (e: { readonly description: string }) => OpenApi.annotations({ description: e.description })

const overview = get(
  "overview",
  "/api/overview",
  "Accepted (pins by ingested_at minute) and refused (rejects by rejected_at minute) events per minute, and the rates now."
)
const feed = get(
  "feed",
  "/api/feed",
  "The latest events of a type, newest first; `from`/`to` (ISO) bound the ingest time, `before` is the previous page's `next`."
)

export class DashboardGroup extends HttpApiGroup.make("dashboard", { topLevel: true })
  .add(
    HttpApiEndpoint.get(overview.name, overview.path, {
      query: { minutes: Schema.optionalKey(IntParam(1, 1440)) },
      success: Overview,
      error: errors
    }).annotateMerge(doc(overview))
  )
  .add(
    HttpApiEndpoint.get(feed.name, feed.path, {
      query: {
        type: Schema.optionalKey(EventType),
        limit: Limit,
        before: Schema.optionalKey(Schema.String),
        from: Schema.optionalKey(QueryInstant),
        to: Schema.optionalKey(QueryInstant)
      },
      success: FeedPage,
      error: errors
    }).annotateMerge(doc(feed))
  )
  .add(
    HttpApiEndpoint.get("rejects", "/api/rejects", {
      query: {
        reason: Schema.optionalKey(Schema.String),
        source: Schema.optionalKey(RejectSource),
        limit: Limit,
        before: Schema.optionalKey(Schema.String)
      },
      success: RejectPage,
      error: errors
    }).annotateMerge(
      OpenApi.annotations({
        description: "Rejects, newest first, filtered by reason and source; payloads as a 200-character preview."
      })
    )
  )
  .add(
    HttpApiEndpoint.get("rejectSummary", "/api/rejects/summary", {
      query: { hours: Schema.optionalKey(IntParam(1, 720)) },
      success: RejectSummary,
      error: errors
    }).annotateMerge(OpenApi.annotations({ description: "Rejects of the last `hours` (24) by reason and source." }))
  )
  .add(
    HttpApiEndpoint.get("reject", "/api/rejects/:id", {
      params: { id: Schema.String.check(Schema.isPattern(/^\d{1,18}$/)) },
      success: RejectDetail,
      error: [...errors, NotFound.pipe(HttpApiSchema.status(404))]
    }).annotateMerge(OpenApi.annotations({ description: "One reject with its whole raw payload." }))
  )
  .add(
    HttpApiEndpoint.get("batchRuns", "/api/batch-runs", {
      query: { limit: Limit, before: Schema.optionalKey(Schema.String) },
      success: BatchRunPage,
      error: errors
    }).annotateMerge(
      OpenApi.annotations({
        description:
          "Batch runs, newest first, with timings, counts, the reconciliation gap and the error of failed runs."
      })
    )
  )
  .add(
    HttpApiEndpoint.get("categories", "/api/analytics/categories", {
      query: { days: Schema.optionalKey(IntParam(1, 90)) },
      success: CategoryStats,
      error: errors
    }).annotateMerge(
      OpenApi.annotations({
        description: "Daily pins and median follower count per category over the latest `days` (14) processed days."
      })
    )
  )
  .add(
    HttpApiEndpoint.get("tags", "/api/analytics/tags", {
      query: { day: Schema.optionalKey(QueryDay), limit: Limit },
      success: TopTags,
      error: errors
    }).annotateMerge(OpenApi.annotations({ description: "The top tags of `day` (default: the latest processed day)." }))
  )
  .add(
    HttpApiEndpoint.get("workerMetrics", "/api/metrics", { success: WorkerMetrics, error: errors }).annotateMerge(
      OpenApi.annotations({
        description: "Consumer lag per partition, last commit age and write latency, read from the programs' /metrics."
      })
    )
  ) {}

export class DashboardApi extends HttpApi.make("pinflow-dashboard")
  .add(DashboardGroup)
  // a bad query answers 400 with what is wrong (the default is an empty body)
  .middleware(HttpApiMiddleware.ProblemDetails)
  .annotateMerge(
    OpenApi.annotations({
      title: "pinflow dashboard",
      description:
        "Read-only views of the pipeline. When the server has a key, send `Authorization: Bearer <key>` (or the cookie `/dashboard?key=` sets)."
    })
  ) {}
