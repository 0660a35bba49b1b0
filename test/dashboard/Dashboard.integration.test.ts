/**
 * The dashboard in a real browser (Debian's headless Chromium driven by playwright-core) over a real
 * PostgreSQL schema of its own: the page shows what the database holds, draws its chart, filters the feed
 * by a clicked minute, opens a reject's payload, and renders hostile text as text. Also the API's key,
 * CSP and READ ONLY guarantees. Without /usr/bin/chromium the browser part skips (fails under CI).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Database, runMigrations } from "@pinflow/adapters"
import { contentSecurityPolicy, readOnly } from "@pinflow/dashboard"
import { ConfigProvider, Effect } from "effect"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import postgres from "postgres"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { createSchema, dropSchema } from "../../packages/adapters/test/DatabaseSchema.ts"
import { describeIntegration, isCI, uniqueName } from "../support/integration.ts"
import { sampleLines } from "../support/sampleData.ts"
import { hostileRaw, hostileTitle, storeRows, targetIds } from "./DashboardRows.ts"
import { type RunningDashboard, startDashboard } from "./DashboardServer.ts"

/** The few DOM members the page functions below use (they run in the browser; this program has no DOM lib). */
interface DomNode {
  readonly textContent: string | null
  readonly hidden: boolean
  readonly children: ArrayLike<DomNode>
}
interface Canvas {
  readonly width: number
  readonly height: number
  getContext(
    kind: "2d"
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null
}
declare const document: {
  getElementById(id: string): DomNode | null
  querySelector(selector: string): unknown
  querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode>
}

const chromiumPath = "/usr/bin/chromium"
const artifacts = fileURLToPath(new URL("../../packages/dashboard/test-artifacts/", import.meta.url))
const key = "dashboard-test-key"

const workerMetrics = `# TYPE pinflow_consumer_lag gauge
pinflow_consumer_lag{topic="pins",partition="0"} 42
pinflow_consumer_lag{topic="pins",partition="1"} 0
pinflow_consumer_lag{topic="pins.rejected",partition="0"} 3
pinflow_last_commit_age_seconds 1.5
pinflow_stream_write_seconds_bucket{le="0.01"} 50
pinflow_stream_write_seconds_bucket{le="0.05"} 100
pinflow_stream_write_seconds_bucket{le="+Inf"} 100
`

describeIntegration("dashboard (real PostgreSQL, headless Chromium)", ["postgres"], (env) => {
  const schema = uniqueName("dash")
  let url = ""
  let sql: postgres.Sql
  let dashboard: RunningDashboard
  let metricsServer: Server
  let stored: Awaited<ReturnType<typeof storeRows>>

  beforeAll(async () => {
    url = await createSchema(env.databaseUrl, schema)
    await Effect.runPromise(
      runMigrations().pipe(
        Effect.provide(Database.layer),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url })))
      )
    )
    sql = postgres(url, { max: 2, onnotice: () => undefined })
    const sample = sampleLines()
    if ("skip" in sample) throw new Error(sample.skip)
    stored = await storeRows(sql, sample.lines)
    metricsServer = createServer((_, res) => res.end(workerMetrics))
    await new Promise<void>((resolve) => metricsServer.listen(0, "127.0.0.1", resolve))
    const address = metricsServer.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    dashboard = await startDashboard({ databaseUrl: url, key, metricsUrls: [`http://127.0.0.1:${port}/metrics`] })
  })

  afterAll(async () => {
    await dashboard?.close()
    await new Promise((resolve) => metricsServer?.close(resolve))
    await sql?.end({ timeout: 5 })
    await dropSchema(env.databaseUrl, schema)
  })

  const api = (path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    fetch(`${dashboard.baseUrl}${path}`, { headers, redirect: "manual" })

  it("the API needs the key (Bearer), the page a ?key= that sets an HttpOnly SameSite=Strict cookie", async () => {
    assert.strictEqual((await api("/api/overview", {})).status, 401)
    assert.strictEqual((await api("/api/overview", { authorization: "Bearer wrong" })).status, 401)
    assert.strictEqual((await api("/api/overview")).status, 200)
    assert.strictEqual((await api("/dashboard", {})).status, 401)
    assert.strictEqual((await api("/dashboard?key=wrong", {})).status, 401)
    const signIn = await api(`/dashboard?key=${key}`, {})
    assert.strictEqual(signIn.status, 303)
    assert.strictEqual(signIn.headers.get("location"), "/dashboard")
    const cookie = signIn.headers.get("set-cookie") ?? ""
    assert.match(cookie, /^pinflow_dashboard=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/)
    assert.notInclude(cookie, key)
    const page = await api("/dashboard", { cookie: cookie.split(";")[0] ?? "" })
    assert.strictEqual(page.status, 200)
    assert.strictEqual(page.headers.get("content-security-policy"), contentSecurityPolicy)
    assert.notInclude(contentSecurityPolicy, "unsafe-inline")
    assert.strictEqual((await api("/api/feed?limit=1", { cookie: cookie.split(";")[0] ?? "" })).status, 200)
  })

  it("pages are keyset cursors: two pages of the feed are the newest pins, in order, without overlap", async () => {
    const first = (await (await api("/api/feed?limit=3")).json()) as {
      items: Array<{ unique_id: string }>
      next: string
    }
    const second = (await (await api(`/api/feed?limit=3&before=${first.next}`)).json()) as {
      items: Array<{ unique_id: string }>
    }
    const expected = await sql<Array<{ unique_id: string }>>`
      select unique_id from pins order by ingested_at desc, unique_id desc limit 6`
    assert.deepStrictEqual(
      [...first.items, ...second.items].map((p) => p.unique_id),
      expected.map((r) => r.unique_id)
    )
    assert.strictEqual((await api("/api/feed?before=not-a-cursor")).status, 400)
    // a date that does not exist is refused (the client library would have made 30 February 2 March)
    assert.strictEqual((await api("/api/feed?from=2026-02-30T00:00:00Z")).status, 400)
    assert.strictEqual((await api("/api/analytics/tags?day=2026-02-30")).status, 400)
    // rejects by id, numerically (ids 9 and 10 are in the fixture)
    const rejects: Array<string> = []
    let next: string | null = null
    do {
      const body = (await (await api(`/api/rejects?limit=7${next === null ? "" : `&before=${next}`}`)).json()) as {
        items: Array<{ id: string }>
        next: string | null
      }
      rejects.push(...body.items.map((r) => r.id))
      next = body.next
    } while (next !== null)
    const ids = await sql<Array<{ id: string }>>`select id::text as id from pin_rejects order by pin_rejects.id desc`
    assert.deepStrictEqual(
      rejects,
      ids.map((r) => r.id)
    )
    assert.isAbove(rejects.length, 10)
  })

  it("runs its queries READ ONLY: a write through the same helper is refused (25006)", async () => {
    const exit = await Effect.runPromiseExit(
      readOnly(sql, (tx) => tx`insert into daily_tag_counts values ('2020-01-01', 'x', 1)`)
    )
    assert.strictEqual(exit._tag, "Failure")
    assert.include(JSON.stringify(exit), "read-only transaction")
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from daily_tag_counts where tag = 'x'`
    assert.strictEqual(row?.n, 0)
  })

  const browserReady = existsSync(chromiumPath)
  const browserSuite = browserReady || isCI() ? describe : describe.skip
  browserSuite(browserReady ? "in Chromium" : `in Chromium [skipped: ${chromiumPath} is missing]`, () => {
    let context: BrowserContext
    let page: Page
    let profile = ""
    const dialogs: Array<string> = []

    beforeAll(async () => {
      if (!browserReady) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`)
      profile = mkdtempSync(join(tmpdir(), "pinflow-chromium-"))
      context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        viewport: { width: 1400, height: 1000 },
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync"
        ]
      })
      page = context.pages()[0] ?? (await context.newPage())
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      await page.goto(`${dashboard.baseUrl}/dashboard?key=${key}`)
    })

    afterAll(async () => {
      await context?.close()
      if (profile !== "") rmSync(profile, { recursive: true, force: true })
    })

    it("shows the counts the database holds and draws the per-minute bars", async () => {
      const [counts] = await sql<Array<{ accepted: number; refused: number }>>`
        select (select count(*) from pins where ingested_at >= date_trunc('minute', now()) - interval '59 minutes')::int as accepted,
          (select count(*) from pin_rejects where rejected_at >= date_trunc('minute', now()) - interval '59 minutes')::int as refused`
      const format = new Intl.NumberFormat("en-US")
      const accepted = format.format(counts?.accepted ?? -1)
      const refused = format.format(counts?.refused ?? -1)
      await page.waitForFunction(
        ([a, r]) =>
          document.getElementById("accepted-total")?.textContent === a &&
          document.getElementById("refused-total")?.textContent === r,
        [accepted, refused]
      )
      assert.strictEqual(page.url(), `${dashboard.baseUrl}/dashboard`)
      // green (accepted) and red (refused) pixels on the chart's canvas
      await page.waitForFunction(() => {
        const canvas = document.querySelector("#minutes-chart canvas") as Canvas | null
        const data = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? []
        let green = 0
        let red = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] === 47 && data[i + 1] === 158 && data[i + 2] === 110) green++
          if (data[i] === 217 && data[i + 1] === 83 && data[i + 2] === 79) red++
        }
        return green > 1000 && red > 10
      })
      await page.waitForFunction(() => document.querySelectorAll("#lag tr").length === 3)
      assert.deepStrictEqual(await page.locator("#lag tr").evaluateAll((rows) => rows.map((r) => r.textContent)), [
        "pins042",
        "pins10",
        "pins.rejected03"
      ])
      assert.strictEqual(await page.textContent("#commit-age"), "1.5 s ago")
      assert.strictEqual(await page.textContent("#write-latency"), "10 ms / 49 ms")
    })

    it("clicking a minute filters the feed to that minute's pins", async () => {
      const overview = (await (await api("/api/overview?minutes=60")).json()) as {
        minutes: Array<{ minute: string; accepted: number }>
      }
      const index = overview.minutes.findIndex((m) => m.minute === stored.targetMinute)
      assert.isAtLeast(index, 0)
      const box = await page.locator("#minutes-chart .u-over").boundingBox()
      if (box === null) throw new Error("no chart")
      const x = box.x + ((index + 0.5) / overview.minutes.length) * box.width
      await page.mouse.move(x, box.y + box.height / 2)
      await page.mouse.click(x, box.y + box.height / 2)
      await page.waitForFunction(() => document.getElementById("feed-filter")?.hidden === false)
      await page.waitForFunction((n) => document.querySelectorAll("#feed tr.feed-row").length === n, targetIds.length)
      const shown = await page
        .locator("#feed tr.feed-row")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))
      assert.deepStrictEqual([...shown].sort(), [...targetIds].sort())
    })

    it("renders a hostile title as text: no element, no dialog", async () => {
      const cell = page.locator('#feed tr[data-id="dash-hostile"] td').nth(1)
      assert.strictEqual(await cell.textContent(), hostileTitle)
      assert.strictEqual(await page.locator("#feed img, #tags img, #panel img").count(), 0)
      await page.locator('#feed tr[data-id="dash-hostile"]').click()
      await page.waitForFunction(() => document.getElementById("panel")?.hidden === false)
      assert.strictEqual(await page.textContent("#panel-title"), hostileTitle)
      await page.click("#panel-close")
      assert.deepStrictEqual(dialogs, [])
    })

    it("a reject's row opens its raw payload in the side panel; the table filters by reason and source", async () => {
      await page.selectOption("#reject-reason", "invalid_json")
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll("#rejects tr.reject-row")]
        return rows.length === 1 && rows[0]?.children[1]?.textContent === "invalid_json"
      })
      await page.locator("#rejects tr.reject-row").first().click()
      await page.waitForFunction(
        () => document.getElementById("panel-title")?.textContent?.startsWith("invalid_json") === true
      )
      assert.strictEqual(await page.textContent("#panel-body"), hostileRaw)
      await page.selectOption("#reject-source", "stream")
      await page.waitForFunction(
        () => (document.querySelector("#rejects td.empty") as DomNode | null)?.textContent === "no rejects"
      )
      await page.selectOption("#reject-reason", "")
      await page.selectOption("#reject-source", "")
      assert.deepStrictEqual(dialogs, [])
    })

    it("Pause stops the 2 s refresh and Resume refreshes at once (the page's clock driven by the test)", async () => {
      const paced = await context.newPage()
      // data-started is set synchronously when a refresh starts; data-refreshes when one has finished
      const body = (name: "started" | "refreshes") =>
        paced.evaluate(
          (n) => (document.querySelector("body") as { dataset: Record<string, string> }).dataset[n] ?? "0",
          name
        )
      try {
        await paced.clock.install()
        await paced.goto(`${dashboard.baseUrl}/dashboard`)
        await paced.waitForFunction(
          () => (document.querySelector("body") as { dataset: Record<string, string> }).dataset.refreshes === "1"
        )
        await paced.clock.runFor(2_000)
        assert.strictEqual(await body("started"), "2")
        await paced.waitForFunction(
          () => (document.querySelector("body") as { dataset: Record<string, string> }).dataset.refreshes === "2"
        )
        await paced.click("#pause")
        assert.strictEqual(await paced.getAttribute("#pause", "aria-pressed"), "true")
        assert.strictEqual(await paced.textContent("#pause"), "Resume")
        await paced.clock.runFor(20_000)
        assert.strictEqual(await body("started"), "2")
        await paced.click("#pause")
        assert.strictEqual(await body("started"), "3")
        assert.strictEqual(await paced.getAttribute("#pause", "aria-pressed"), "false")
      } finally {
        await paced.close()
      }
    })

    it("batch runs: the failed run stands out with its error; analytics and a screenshot", async () => {
      await page.waitForFunction(() => document.querySelectorAll("#runs tr.run-row").length === 2)
      assert.strictEqual(
        await page.textContent("#runs tr.error-row"),
        "upload failed: bucket pinflow-test unreachable (ECONNREFUSED)"
      )
      assert.strictEqual(await page.locator("#runs tr.run-row.failed").count(), 1)
      assert.deepStrictEqual(await page.locator("#medians tr").evaluateAll((rows) => rows.map((r) => r.textContent)), [
        "art1208,500",
        "travel8023,000"
      ])
      assert.deepStrictEqual(await page.locator("#tags li").evaluateAll((items) => items.map((i) => i.textContent)), [
        "Porsche12",
        `${hostileTitle}3`
      ])
      await page.click("#panel-close").catch(() => undefined)
      mkdirSync(artifacts, { recursive: true })
      await page.screenshot({ path: join(artifacts, "dashboard.png"), fullPage: true })
      assert.deepStrictEqual(dialogs, [])
    })
  })
})
