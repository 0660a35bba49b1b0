/**
 * What the browser test stores: the sample's pins (cleaned by the domain) over five recent minutes, a
 * target minute of six pins plus one with a hostile title, the sample's rejects and a few invalid events,
 * two batch runs (one failed) and a processed day of analytics. Times are relative to `minute0`, the
 * current minute by the database's clock.
 */
import { cleanPinLine } from "@pinflow/domain"
import { Result } from "effect"
import type postgres from "postgres"

export const hostileTitle = "<img src=x onerror=alert(1)>"
export const hostileRaw = '{"index": 1, "title": "<script>alert(2)</script>", "unique_id": '
/** Minutes before `minute0` of the target minute the test clicks. */
export const targetMinutesAgo = 2
export const targetIds = [...Array.from({ length: 6 }, (_, i) => `dash-target-${i}`), "dash-hostile"]

interface Stored {
  /** The target minute as the API spells it ("2026-12-01T02:48:00.000000Z"). */
  readonly targetMinute: string
  readonly pinIds: ReadonlyArray<string>
  readonly hostileRejectRaw: string
}

const at = (minute0: Date, minutesAgo: number, second: number) =>
  new Date(minute0.getTime() - minutesAgo * 60_000 + second * 1000).toISOString()

export const storeRows = async (sql: postgres.Sql, lines: ReadonlyArray<string>): Promise<Stored> => {
  const [{ minute0 } = { minute0: new Date() }] = await sql<
    Array<{ minute0: Date }>
  >`select date_trunc('minute', now()) as minute0`
  const pins: Array<Record<string, unknown>> = []
  const rejects: Array<Record<string, unknown>> = []
  lines.forEach((line, i) => {
    const outcome = cleanPinLine(line)
    if (Result.isSuccess(outcome)) {
      const p = outcome.success
      // minutes 0, 1, 3, 4, 10 ago: never the target minute
      const minutesAgo = [0, 1, 3, 4, 10][i % 5] ?? 0
      pins.push({ ...p, tags: p.tags, ingested_at: at(minute0, minutesAgo, i % 50) })
    } else {
      rejects.push({
        reason: outcome.failure.reason,
        detail: outcome.failure.detail,
        unique_id: outcome.failure.unique_id ?? null,
        raw: line,
        source: "stream",
        topic: "pins",
        partition: 0,
        offset: i,
        rejected_at: at(minute0, i % 3, i % 50)
      })
    }
  })
  const firstClean = pins[0] ?? {}
  targetIds.forEach((id, i) => {
    pins.push({
      ...firstClean,
      unique_id: id,
      index: 90_000 + i,
      title: id === "dash-hostile" ? hostileTitle : `Target pin ${i}`,
      ingested_at: at(minute0, targetMinutesAgo, 5 + i)
    })
  })
  rejects.push(
    {
      reason: "invalid_json",
      detail: "malformed JSON",
      unique_id: null,
      raw: hostileRaw,
      source: "ingest",
      rejected_at: at(minute0, 1, 7)
    },
    {
      reason: "schema",
      detail: "index: expected an integer",
      unique_id: "s-1",
      raw: '{"index": "3", "unique_id": "s-1"}',
      source: "ingest",
      rejected_at: at(minute0, 0, 3)
    }
  )
  const byId = new Map(pins.map((p) => [p.unique_id as string, p]))
  for (const p of byId.values()) {
    await sql`
      insert into pins (unique_id, pin_index, title, description, follower_count, tags, media_type, image_src,
        downloaded, save_location, category, ingested_at)
      values (${p.unique_id as string}, ${p.index as number}, ${(p.title as string | null) ?? null},
        ${(p.description as string | null) ?? null}, ${(p.follower_count as number | null) ?? null},
        ${sql.array((p.tags as Array<string>) ?? [])}, ${p.media_type as string}, ${(p.image_src as string | null) ?? null},
        ${p.downloaded as boolean}, ${p.save_location as string}, ${(p.category as string | null) ?? null},
        ${p.ingested_at as string})`
  }
  for (const r of rejects) {
    await sql`
      insert into pin_rejects (reason, detail, unique_id, raw, source, topic, partition, "offset", rejected_at)
      values (${r.reason as string}, ${r.detail as string}, ${r.unique_id as string | null}, ${r.raw as string},
        ${r.source as string}, ${(r.topic as string | undefined) ?? null}, ${(r.partition as number | undefined) ?? null},
        ${(r.offset as number | undefined) ?? null}, ${r.rejected_at as string})`
  }
  const day = at(minute0, 24 * 60, 0).slice(0, 10)
  const earlier = (days: number) => at(minute0, (1 + days) * 24 * 60, 0).slice(0, 10)
  await sql`
    insert into batch_runs (day, status, started_at, finished_at, counts, error) values
      (${day}, 'failed', ${at(minute0, 30, 0)}, ${at(minute0, 30, 4)}, ${sql.json({ archived: 12 })},
       'upload failed: bucket pinflow-test unreachable (ECONNREFUSED)'),
      (${day}, 'succeeded', ${at(minute0, 20, 0)}, ${at(minute0, 20, 9)},
       ${sql.json({ archived: 2384, pins: 2300, landed: 2297, reconciliation_gap: 3 })}, null)`
  await sql`
    insert into daily_category_stats (day, category, pins, median_follower_count, downloaded_ratio, images, videos, stories)
    values (${day}, 'art', 120, 8500, 0.9, 100, 10, 10), (${day}, 'travel', 80, 23000, 0.8, 70, 5, 5),
      (${earlier(1)}, 'art', 95, 8000, 0.9, 80, 10, 5), (${earlier(1)}, 'travel', 101, 21000, 0.8, 90, 6, 5),
      (${earlier(2)}, 'art', 110, 7900, 0.9, 90, 10, 10), (${earlier(2)}, 'travel', 64, 20000, 0.8, 60, 2, 2)`
  await sql`insert into daily_tag_counts (day, tag, pins) values (${day}, 'Porsche', 12), (${day}, ${hostileTitle}, 3)`
  const targetMinute = at(minute0, targetMinutesAgo, 0).replace(/\.000Z$/, ".000000Z")
  return { targetMinute, pinIds: [...byId.keys()], hostileRejectRaw: hostileRaw }
}
