/**
 * The dashboard's reads from Postgres. Each runs in a READ ONLY transaction, so even a URL whose role
 * could write cannot (SQLSTATE 25006); lists are keyset-paginated on indexed columns (migration 6), so
 * a page costs the same at row 10 and row 1,000,000. ORDER BY names the table: a bare name would sort by
 * the output column of that name (the ISO text, the id as text) and miss the index.
 */
import { Database } from "@pinflow/adapters/Database"
import { Context, Effect, Layer } from "effect"
import type postgres from "postgres"
import {
  type BatchRunPage,
  type CategoryStats,
  DatabaseUnavailable,
  type EventType,
  type FeedPage,
  InvalidQuery,
  NotFound,
  type Overview,
  type RejectDetail,
  type RejectPage,
  type RejectSummary,
  type TopTags
} from "./DashboardApi.ts"

export type QueryError = DatabaseUnavailable | InvalidQuery

const rateWindowSeconds = 10

/** Runs `f` in a READ ONLY transaction; class 22 (data exceptions: a bad date, a bad number) is the caller's. */
export const readOnly = <A>(sql: postgres.Sql, f: (tx: postgres.TransactionSql) => Promise<A>) =>
  Effect.tryPromise({
    try: () => sql.begin("read only", f) as Promise<A>,
    catch: (cause): QueryError => {
      const code = (cause as { code?: unknown }).code
      const message = cause instanceof Error ? cause.message : String(cause)
      return typeof code === "string" && code.startsWith("22")
        ? new InvalidQuery({ detail: message })
        : new DatabaseUnavailable({ detail: message })
    }
  })

/** ISO UTC with microseconds, computed by Postgres (a JS Date would drop the microseconds a cursor needs). */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

const encodeCursor = (parts: ReadonlyArray<string>): string => Buffer.from(JSON.stringify(parts)).toString("base64url")

const decodeCursor = (cursor: string, size: number): Effect.Effect<ReadonlyArray<string>, InvalidQuery> =>
  Effect.try({
    try: () => {
      const parts: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
      if (!Array.isArray(parts) || parts.length !== size || !parts.every((p) => typeof p === "string"))
        throw new Error("not a cursor")
      return parts as ReadonlyArray<string>
    },
    catch: () => new InvalidQuery({ detail: "before: not a cursor this API returned" })
  })

/** `limit + 1` rows were asked for: the extra one only says there is a next page. */
const page = <Row, Item>(
  rows: ReadonlyArray<Row>,
  limit: number,
  item: (r: Row) => Item,
  cursor: (r: Row) => ReadonlyArray<string>
) => {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(item), next: rows.length > limit && last !== undefined ? encodeCursor(cursor(last)) : null }
}

export interface FeedQuery {
  readonly type: EventType
  readonly limit: number
  readonly before?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
}

export interface RejectQuery {
  readonly reason?: string | undefined
  readonly source?: string | undefined
  readonly limit: number
  readonly before?: string | undefined
}

interface PinRow {
  readonly unique_id: string
  readonly index: string
  readonly title: string | null
  readonly description: string | null
  readonly follower_count: string | null
  readonly tags: ReadonlyArray<string>
  readonly media_type: string
  readonly image_src: string | null
  readonly downloaded: boolean
  readonly save_location: string
  readonly category: string | null
  readonly ingested_at: string
  readonly processed_at: string
}

interface RejectRow {
  readonly id: string
  readonly reason: string
  readonly source: string
  readonly detail: string
  readonly unique_id: string | null
  readonly raw_preview: string
  readonly raw_length: number
  readonly rejected_at: string
}

interface RunRow {
  readonly id: string
  readonly day: string
  readonly status: string
  readonly started_at: string
  readonly finished_at: string | null
  readonly duration_seconds: number | null
  readonly counts: unknown
  readonly error: string | null
}

const numericCounts = (counts: unknown): Record<string, number> =>
  Object.fromEntries(
    Object.entries(typeof counts === "object" && counts !== null ? counts : {}).filter(
      (e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])
    )
  )

/** A validated integer as SQL text. */
const literalText = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`)
  return String(n)
}

const makeStore = (sql: postgres.Sql) => {
  /**
   * An integer written into the statement: a LIMIT sent as a parameter lets a cached generic plan sort
   * the whole table (1.4 s at 1M pins) instead of reading the first rows of an index.
   */
  const literal = (n: number) => sql.unsafe(literalText(n))
  const overview = Effect.fn("DashboardStore.overview")(function* (minutes: number) {
    const rows = yield* readOnly(sql, async (tx) => {
      // the window's start is now() minus a literal, so the planner sees how narrow the range is
      const start = tx.unsafe(`date_trunc('minute', now()) - interval '${literalText(minutes - 1)} minutes'`)
      const series = await tx<Array<{ minute: string; accepted: number; refused: number }>>`
        select ${tx.unsafe(iso("m"))} as minute, coalesce(a.n, 0)::int as accepted, coalesce(r.n, 0)::int as refused
        from generate_series(${start}, date_trunc('minute', now()), interval '1 minute') as m
        left join (select date_trunc('minute', ingested_at) as t, count(*) as n from pins
                   where ingested_at >= ${start} group by 1) a on a.t = m
        left join (select date_trunc('minute', rejected_at) as t, count(*) as n from pin_rejects
                   where rejected_at >= ${start} group by 1) r on r.t = m
        order by m`
      const [rates] = await tx<Array<{ generated_at: string; events: number; rows: number }>>`
        select ${tx.unsafe(iso("now()"))} as generated_at,
          (select count(*) from pins where ingested_at >= now() - ${rateWindowSeconds} * interval '1 second')::int
          + (select count(*) from pin_rejects where rejected_at >= now() - ${rateWindowSeconds} * interval '1 second')::int as events,
          (select count(*) from pins where processed_at >= now() - ${rateWindowSeconds} * interval '1 second')::int as rows`
      return { series, rates }
    })
    return {
      generated_at: rows.rates?.generated_at ?? "",
      minutes: rows.series,
      accepted: rows.series.reduce((n, m) => n + m.accepted, 0),
      refused: rows.series.reduce((n, m) => n + m.refused, 0),
      events_per_second: (rows.rates?.events ?? 0) / rateWindowSeconds,
      rows_written_per_second: (rows.rates?.rows ?? 0) / rateWindowSeconds,
      rate_window_seconds: rateWindowSeconds
    } satisfies Overview
  })

  /** One query per event type; geo and user events add theirs here. */
  const feedQueries: Record<
    EventType,
    (
      tx: postgres.TransactionSql,
      q: FeedQuery,
      after: ReadonlyArray<string> | undefined
    ) => Promise<ReadonlyArray<PinRow>>
  > = {
    pin: (tx, q, after) => tx<Array<PinRow>>`
        select unique_id, pin_index::text as index, title, description, follower_count::text as follower_count,
          tags, media_type, image_src, downloaded, save_location, category,
          ${tx.unsafe(iso("ingested_at"))} as ingested_at, ${tx.unsafe(iso("processed_at"))} as processed_at
        from pins
        where ingested_at is not null
          ${q.from === undefined ? tx`` : tx`and ingested_at >= ${q.from}::timestamptz`}
          ${q.to === undefined ? tx`` : tx`and ingested_at < ${q.to}::timestamptz`}
          ${after === undefined ? tx`` : tx`and (ingested_at, unique_id) < (${after[0] ?? ""}::timestamptz, ${after[1] ?? ""})`}
        order by pins.ingested_at desc, pins.unique_id desc
        limit ${literal(q.limit + 1)}`
  }

  const feed = Effect.fn("DashboardStore.feed")(function* (q: FeedQuery) {
    const after = q.before === undefined ? undefined : yield* decodeCursor(q.before, 2)
    const rows = yield* readOnly(sql, (tx) => feedQueries[q.type](tx, q, after))
    return page(
      rows,
      q.limit,
      (r) => r,
      (r) => [r.ingested_at, r.unique_id]
    ) satisfies FeedPage
  })

  const rejects = Effect.fn("DashboardStore.rejects")(function* (q: RejectQuery) {
    const after = q.before === undefined ? undefined : yield* decodeCursor(q.before, 1)
    if (after !== undefined && !/^\d{1,18}$/.test(after[0] ?? ""))
      return yield* new InvalidQuery({ detail: "before: not a cursor this API returned" })
    const rows = yield* readOnly(
      sql,
      (tx) => tx<Array<RejectRow>>`
      select id::text as id, reason, source, left(detail, 500) as detail, unique_id,
        left(raw, 200) as raw_preview, length(raw) as raw_length, ${tx.unsafe(iso("rejected_at"))} as rejected_at
      from pin_rejects
      where true
        ${q.reason === undefined ? tx`` : tx`and reason = ${q.reason}`}
        ${q.source === undefined ? tx`` : tx`and source = ${q.source}`}
        ${after === undefined ? tx`` : tx`and id < ${after[0] ?? "0"}::bigint`}
      order by pin_rejects.id desc
      limit ${literal(q.limit + 1)}`
    )
    return page(
      rows,
      q.limit,
      (r) => r,
      (r) => [r.id]
    ) satisfies RejectPage
  })

  const reject = Effect.fn("DashboardStore.reject")(function* (id: string) {
    const [row] = yield* readOnly(
      sql,
      (tx) => tx<Array<RejectDetail>>`
      select id::text as id, reason, source, detail, unique_id, left(raw, 200) as raw_preview,
        length(raw) as raw_length, ${tx.unsafe(iso("rejected_at"))} as rejected_at, raw, topic, partition,
        "offset"::text as "offset", object_key, line
      from pin_rejects where id = ${id}::bigint`
    )
    if (row === undefined) return yield* new NotFound({ detail: `no reject ${id}` })
    return row
  })

  const rejectSummary = Effect.fn("DashboardStore.rejectSummary")(function* (hours: number) {
    const counts = yield* readOnly(
      sql,
      (tx) => tx<Array<{ reason: string; source: string; rejects: number }>>`
      select reason, source, count(*)::int as rejects from pin_rejects
      where rejected_at >= now() - ${hours} * interval '1 hour'
      group by reason, source order by rejects desc, reason, source`
    )
    return { hours, counts } satisfies RejectSummary
  })

  const batchRuns = Effect.fn("DashboardStore.batchRuns")(function* (limit: number, before: string | undefined) {
    const after = before === undefined ? undefined : yield* decodeCursor(before, 1)
    if (after !== undefined && !/^\d{1,18}$/.test(after[0] ?? ""))
      return yield* new InvalidQuery({ detail: "before: not a cursor this API returned" })
    const rows = yield* readOnly(
      sql,
      (tx) => tx<Array<RunRow>>`
      select id::text as id, day::text as day, status, ${tx.unsafe(iso("started_at"))} as started_at,
        ${tx.unsafe(iso("finished_at"))} as finished_at,
        extract(epoch from finished_at - started_at)::float8 as duration_seconds, counts, error
      from batch_runs
      where true ${after === undefined ? tx`` : tx`and id < ${after[0] ?? "0"}::bigint`}
      order by batch_runs.id desc limit ${literal(limit + 1)}`
    )
    return page(
      rows,
      limit,
      (r) => {
        const counts = numericCounts(r.counts)
        return { ...r, counts, reconciliation_gap: counts.reconciliation_gap ?? null }
      },
      (r) => [r.id]
    ) satisfies BatchRunPage
  })

  const categories = Effect.fn("DashboardStore.categories")(function* (days: number) {
    const rows = yield* readOnly(
      sql,
      (tx) => tx<Array<CategoryStats["rows"][number]>>`
      with d as (select distinct day from daily_category_stats order by day desc limit ${literal(days)})
      select s.day::text as day, s.category, s.pins, s.median_follower_count, s.downloaded_ratio
      from daily_category_stats s join d using (day)
      order by s.day, s.category`
    )
    return { days: [...new Set(rows.map((r) => r.day))], rows } satisfies CategoryStats
  })

  const tags = Effect.fn("DashboardStore.tags")(function* (day: string | undefined, limit: number) {
    return yield* readOnly(sql, async (tx) => {
      const chosen =
        day ??
        (await tx<Array<{ day: string | null }>>`select max(day)::text as day from daily_tag_counts`)[0]?.day ??
        null
      const items =
        chosen === null
          ? []
          : await tx<Array<{ tag: string; pins: number }>>`
              select tag, pins from daily_tag_counts where day = ${chosen}::date
              order by pins desc, tag limit ${literal(limit)}`
      return { day: chosen, items } satisfies TopTags
    })
  })

  return { overview, feed, rejects, reject, rejectSummary, batchRuns, categories, tags }
}

export class DashboardStore extends Context.Service<DashboardStore, ReturnType<typeof makeStore>>()(
  "pinflow/dashboard/DashboardStore"
) {
  static readonly layer = Layer.effect(
    DashboardStore,
    Effect.gen(function* () {
      const { sql } = yield* Database
      return makeStore(sql)
    })
  )
}
