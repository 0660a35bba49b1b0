/**
 * The dashboard's answer times at 1,000,000 pins on the real PostgreSQL (a measurement, not a test):
 * a unique schema gets 1M pins over the last 7 days, 100k rejects, 60 batch runs and a week of daily
 * stats; each `/api/` endpoint is then asked 30 times over HTTP (after 3 warm-ups) and its median, p95
 * and max printed as a Markdown table. The schema is dropped at the end.
 *
 *   eval "$(npm run -s services -- env)"; node test/dashboard/MeasureMillion.ts [pins]
 */
import { Database, runMigrations } from "@pinflow/adapters"
import { ConfigProvider, Effect } from "effect"
import postgres from "postgres"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { startDashboard } from "./DashboardServer.ts"

const pins = Number(process.argv[2] ?? 1_000_000)
const base = process.env.DATABASE_URL
if (base === undefined) throw new Error('DATABASE_URL is not set: eval "$(npm run -s services -- env)"')
const schema = `dash_measure_${process.pid}`
const url = await createSchema(base, schema)
const sql = postgres(url, { max: 1, onnotice: () => undefined })
const key = "measure"

const time = async (label: string, f: () => Promise<unknown>) => {
  const start = performance.now()
  await f()
  process.stderr.write(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`)
}

try {
  await Effect.runPromise(
    runMigrations().pipe(
      Effect.provide(Database.layer),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url })))
    )
  )
  await time(
    `insert ${pins} pins`,
    () => sql`
    insert into pins (unique_id, pin_index, title, description, follower_count, tags, media_type, image_src,
      downloaded, save_location, category, ingested_at, processed_at)
    select md5(i::text), i, 'Pin ' || i, 'A description of pin ' || i, (i % 100000),
      array['tag' || (i % 5000), 'tag' || (i % 37)], (array['image', 'video', 'story'])[1 + i % 3],
      'https://i.pinimg.com/' || i || '.jpg', i % 2 = 0, '/data/category' || (i % 20), 'category' || (i % 20),
      t, t + interval '2 seconds'
    from generate_series(1, ${pins}) as i,
      lateral (select now() - (i::float8 / ${pins}) * interval '7 days' as t) as at`
  )
  await time(
    "insert 100000 rejects",
    () => sql`
    insert into pin_rejects (reason, detail, unique_id, raw, source, topic, partition, "offset", rejected_at)
    select (array['invalid_json', 'schema', 'empty_pin', 'unknown_media_type', 'too_large', 'unstorable'])[1 + i % 6],
      'detail ' || i, md5(i::text), '{"index": ' || i || ', "title": "' || repeat('x', 300) || '"}',
      (array['ingest', 'stream', 'batch'])[1 + i % 3], 'pins', i % 3, i, now() - (i::float8 / 100000) * interval '7 days'
    from generate_series(1, 100000) as i`
  )
  await sql`
    insert into batch_runs (day, status, started_at, finished_at, counts, error)
    select current_date - i, case when i % 10 = 0 then 'failed' else 'succeeded' end,
      now() - i * interval '1 day', now() - i * interval '1 day' + interval '40 seconds',
      jsonb_build_object('archived', 140000, 'pins', 139000, 'landed', 139000, 'reconciliation_gap', i % 3),
      case when i % 10 = 0 then 'bucket unreachable' end
    from generate_series(1, 60) as i`
  await sql`
    insert into daily_category_stats (day, category, pins, median_follower_count, downloaded_ratio, images, videos, stories)
    select current_date - d, 'category' || c, 7000, 1500, 0.5, 3000, 2000, 2000
    from generate_series(1, 60) as d, generate_series(0, 19) as c`
  await sql`
    insert into daily_tag_counts (day, tag, pins)
    select current_date - d, 'tag' || t, (t * 7919) % 1000 from generate_series(1, 60) as d, generate_series(0, 4999) as t`
  await time("analyze", () => sql`analyze`)

  const dashboard = await startDashboard({ databaseUrl: url, key, metricsUrls: [] })
  const ask = async (path: string) => {
    const response = await fetch(`${dashboard.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } })
    const body = (await response.json()) as { next?: string | null }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`)
    return body
  }
  // a cursor 100 pages (5,000 pins) deep, and a minute an hour ago
  let deep = ""
  for (let i = 0; i < 100; i++)
    deep = (await ask(`/api/feed?limit=50${deep === "" ? "" : `&before=${deep}`}`)).next ?? ""
  const [hour] = await sql<Array<{ from: string; to: string }>>`
    select to_char(date_trunc('minute', now() - interval '1 hour') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as from,
      to_char(date_trunc('minute', now() - interval '59 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as to`
  const [reject] = await sql<
    Array<{ id: string }>
  >`select id::text as id from pin_rejects order by id limit 1 offset 50000`
  const endpoints = [
    "/api/overview?minutes=60",
    "/api/feed?limit=50",
    `/api/feed?limit=50&before=${deep}`,
    `/api/feed?limit=50&from=${hour?.from}&to=${hour?.to}`,
    "/api/rejects?limit=50",
    "/api/rejects?limit=50&reason=unstorable",
    "/api/rejects?limit=50&source=batch",
    "/api/rejects?limit=50&reason=schema&source=batch",
    `/api/rejects/${reject?.id}`,
    "/api/rejects/summary?hours=24",
    "/api/batch-runs?limit=20",
    "/api/analytics/categories?days=14",
    "/api/analytics/tags?limit=20",
    "/api/metrics"
  ]
  const rows: Array<string> = []
  for (const path of endpoints) {
    for (let i = 0; i < 3; i++) await ask(path)
    const ms: Array<number> = []
    for (let i = 0; i < 30; i++) {
      const start = performance.now()
      await ask(path)
      ms.push(performance.now() - start)
    }
    ms.sort((a, b) => a - b)
    const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(1)
    rows.push(
      `| \`${path.replace(/before=[^&]+/, "before=<100 pages deep>").replace(/from=[^&]+&to=[^&]+/, "from=<a minute 1 h ago>&to=…")}\` | ${at(0.5)} | ${at(0.95)} | ${(ms.at(-1) ?? 0).toFixed(1)} |`
    )
  }
  await dashboard.close()
  process.stdout.write(
    `| endpoint (${pins.toLocaleString("en-US")} pins, 100,000 rejects) | median ms | p95 ms | max ms |\n|---|---:|---:|---:|\n${rows.join("\n")}\n`
  )
} finally {
  await sql.end({ timeout: 5 })
  await dropSchema(base, schema)
}
