// The dashboard page: polls the /api/ endpoints every 2 s (Pause stops it) and renders with DOM nodes and
// textContent only: titles, tags and payloads are attacker-controlled and never parsed as HTML.
const REFRESH_MS = 2000
const $ = (id) => document.getElementById(id)

const state = {
  paused: false,
  minute: null, // ISO start of the minute the feed is filtered to
  minutes: [],
  feedNext: null,
  feedPages: 1,
  rejectsNext: null,
  rejectsPages: 1,
  tagDay: null,
  tick: 0
}

/** An element with text children (strings become text nodes) and a few safe properties. */
const el = (tag, props, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props ?? {})) {
    if (k === "class") node.className = v
    else if (k === "title") node.title = v
    else if (k.startsWith("data-")) node.setAttribute(k, v)
    else if (k === "onclick") node.addEventListener("click", v)
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")))
  return node
}

const fill = (tbody, rows, columns, empty) => {
  tbody.replaceChildren(
    ...(rows.length > 0 ? rows : [el("tr", {}, el("td", { class: "empty", "data-colspan": columns }, empty))])
  )
  const cell = tbody.querySelector("td.empty")
  if (cell) cell.colSpan = columns
}

const number = new Intl.NumberFormat("en-US")
const time = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) : "–")
const dateTime = (iso) => (iso ? new Date(iso).toISOString().slice(0, 19).replace("T", " ") : "–")
const seconds = (s) =>
  s === null || s === undefined
    ? "–"
    : s < 1
      ? `${Math.round(s * 1000)} ms`
      : s < 120
        ? `${s.toFixed(1)} s`
        : `${Math.round(s / 60)} min`

class HttpError extends Error {}

const api = async (path, params = {}) => {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""))
  const url = `/api/${path}${query.size > 0 ? `?${query}` : ""}`
  const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
  if (!response.ok) throw new HttpError(`${url}: HTTP ${response.status}`)
  return response.json()
}

// ---- side panel ----------------------------------------------------------------------------------
const openPanel = (title, body) => {
  $("panel-title").textContent = title
  $("panel-body").textContent = body
  $("panel").hidden = false
}
$("panel-close").addEventListener("click", () => {
  $("panel").hidden = true
})
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") $("panel").hidden = true
})

/** The payload pretty-printed when it is JSON, else as received. */
const pretty = (raw) => {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2)
  } catch {
    return raw
  }
}

// ---- per-minute chart ------------------------------------------------------------------------------
let minutesChart = null

const chartSize = (id, height) => ({ width: Math.max(300, $(id).clientWidth), height })

const makeMinutesChart = () => {
  const bars = uPlot.paths.bars({ size: [0.8, 40] })
  return new uPlot(
    {
      ...chartSize("minutes-chart", 240),
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - 30, max + 30] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] }
      },
      axes: [
        { stroke: "#6b7686", grid: { stroke: "#eef1f5" } },
        { stroke: "#6b7686", grid: { stroke: "#eef1f5" }, size: 50 }
      ],
      legend: { live: true },
      series: [
        { label: "minute", value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toISOString().slice(11, 16)) },
        // drawn first at the stacked height (accepted + refused), so the accepted bars on top leave refused showing
        {
          label: "refused",
          fill: "#d9534f",
          stroke: "#d9534f",
          paths: bars,
          points: { show: false },
          value: (_u, _v, _si, i) =>
            i === null || i === undefined ? "–" : number.format(state.minutes[i]?.refused ?? 0)
        },
        { label: "accepted", fill: "#2f9e6e", stroke: "#2f9e6e", paths: bars, points: { show: false } }
      ]
    },
    [[], [], []],
    $("minutes-chart")
  )
}

const drawMinutes = (minutes) => {
  state.minutes = minutes
  minutesChart ??= makeMinutesChart()
  const xs = minutes.map((m) => Date.parse(m.minute) / 1000)
  minutesChart.setData([xs, minutes.map((m) => m.accepted + m.refused), minutes.map((m) => m.accepted)])
}

const filterMinute = (minute) => {
  state.minute = minute
  const chip = $("feed-filter")
  chip.hidden = minute === null
  $("feed-filter-text").textContent = minute === null ? "" : `minute ${time(minute).slice(0, 5)} UTC`
  state.feedPages = 1
  loadFeed().catch(report)
}
$("feed-filter-clear").addEventListener("click", () => filterMinute(null))

const bindMinuteClicks = () => {
  minutesChart ??= makeMinutesChart()
  minutesChart.over.addEventListener("click", () => {
    const i = minutesChart.cursor.idx
    const m = i === null || i === undefined ? undefined : state.minutes[i]
    if (m) filterMinute(m.minute)
  })
}

// ---- categories chart ------------------------------------------------------------------------------
const palette = [
  "#3867d6",
  "#2f9e6e",
  "#d9534f",
  "#c77c02",
  "#8854d0",
  "#0fb9b1",
  "#eb3b5a",
  "#4b6584",
  "#a5b1c2",
  "#fa8231"
]
let categoriesChart = null
let categoriesKey = ""

const drawCategories = (stats) => {
  const categories = [...new Set(stats.rows.map((r) => r.category))].sort()
  const key = categories.join("\u0000")
  const xs = stats.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000)
  const data = [
    xs,
    ...categories.map((c) =>
      stats.days.map((d) => stats.rows.find((r) => r.day === d && r.category === c)?.pins ?? null)
    )
  ]
  if (categoriesChart === null || key !== categoriesKey) {
    categoriesChart?.destroy()
    categoriesKey = key
    categoriesChart = new uPlot(
      {
        ...chartSize("categories-chart", 240),
        // half a day either side, so the first and last dates are not cut off
        scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] } },
        axes: [
          // one tick per day, labelled with the date (uPlot's time ticks would label hours)
          {
            stroke: "#6b7686",
            grid: { stroke: "#eef1f5" },
            splits: (u) => [...u.data[0]],
            values: (_u, splits) => splits.map((x) => new Date(x * 1000).toISOString().slice(0, 10))
          },
          { stroke: "#6b7686", grid: { stroke: "#eef1f5" }, size: 50 }
        ],
        series: [
          { label: "day", value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toISOString().slice(0, 10)) },
          ...categories.map((c, i) => ({
            label: c,
            stroke: palette[i % palette.length],
            width: 2,
            points: { size: 5 }
          }))
        ]
      },
      data,
      $("categories-chart")
    )
  } else categoriesChart.setData(data)
  // uPlot spreads a single x value over years: show one day with a day either side
  if (xs.length === 1) categoriesChart.setScale("x", { min: xs[0] - 86_400, max: xs[0] + 86_400 })
}

// ---- loaders -----------------------------------------------------------------------------------------
const loadOverview = async () => {
  const o = await api("overview", { minutes: 60 })
  $("accepted-total").textContent = number.format(o.accepted)
  $("refused-total").textContent = number.format(o.refused)
  $("events-rate").textContent = o.events_per_second.toFixed(1)
  $("rows-rate").textContent = o.rows_written_per_second.toFixed(1)
  drawMinutes(o.minutes)
  return o
}

const loadMetrics = async () => {
  const m = await api("metrics")
  $("commit-age").textContent = m.last_commit_age_seconds === null ? "–" : `${seconds(m.last_commit_age_seconds)} ago`
  $("write-latency").textContent =
    m.write_p50_seconds === null ? "–" : `${seconds(m.write_p50_seconds)} / ${seconds(m.write_p99_seconds)}`
  const down = m.sources.filter((s) => !s.ok)
  $("metrics-sources").textContent =
    m.sources.length === 0
      ? "no /metrics configured"
      : down.length === 0
        ? `${m.sources.length} source(s)`
        : `unreachable: ${down.map((s) => `${s.url} (${s.error})`).join(", ")}`
  fill(
    $("lag"),
    m.lag.map((l) =>
      el("tr", {}, el("td", {}, l.topic), el("td", {}, l.partition), el("td", { class: "num" }, number.format(l.lag)))
    ),
    3,
    "no lag reported"
  )
}

const pinRow = (p) =>
  el(
    "tr",
    {
      class: "feed-row",
      "data-id": p.unique_id,
      onclick: () => openPanel(p.title ?? p.unique_id, JSON.stringify(p, null, 2))
    },
    el("td", { title: p.ingested_at }, dateTime(p.ingested_at)),
    el("td", { title: p.title ?? "" }, p.title ?? "(no title)"),
    el("td", {}, p.category ?? "–"),
    el("td", { title: p.tags.join(", ") }, p.tags.join(", ")),
    el("td", { class: "num" }, p.follower_count === null ? "–" : number.format(BigInt(p.follower_count))),
    el("td", {}, p.media_type)
  )

const minuteBounds = () =>
  state.minute === null ? {} : { from: state.minute, to: new Date(Date.parse(state.minute) + 60_000).toISOString() }

const loadFeed = async (more = false) => {
  if (!more && state.feedPages > 1) return // the reader is paging back: leave the list as it is
  const page = await api("feed", { type: "pin", limit: 50, ...minuteBounds(), before: more ? state.feedNext : null })
  const rows = page.items.map(pinRow)
  if (more) {
    $("feed").append(...rows)
    state.feedPages += 1
  } else fill($("feed"), rows, 6, state.minute === null ? "no pins yet" : "no pins in this minute")
  state.feedNext = page.next
  $("feed-more").hidden = page.next === null
}
$("feed-more").addEventListener("click", () => loadFeed(true).catch(report))

const rejectRow = (r) =>
  el(
    "tr",
    {
      class: "reject-row",
      "data-id": r.id,
      onclick: () =>
        api(`rejects/${r.id}`)
          .then((d) => openPanel(`${d.reason} · ${d.source} · #${d.id}`, pretty(d.raw)))
          .catch(report)
    },
    el("td", {}, dateTime(r.rejected_at)),
    el("td", {}, r.reason),
    el("td", {}, r.source),
    el("td", { title: r.detail }, r.detail),
    el("td", { title: r.raw_preview }, r.raw_preview)
  )

const loadRejects = async (more = false) => {
  if (!more && state.rejectsPages > 1) return
  const page = await api("rejects", {
    limit: 25,
    reason: $("reject-reason").value,
    source: $("reject-source").value,
    before: more ? state.rejectsNext : null
  })
  const rows = page.items.map(rejectRow)
  if (more) {
    $("rejects").append(...rows)
    state.rejectsPages += 1
  } else fill($("rejects"), rows, 5, "no rejects")
  state.rejectsNext = page.next
  $("rejects-more").hidden = page.next === null
}
$("rejects-more").addEventListener("click", () => loadRejects(true).catch(report))
for (const id of ["reject-reason", "reject-source"]) {
  $(id).addEventListener("change", () => {
    state.rejectsPages = 1
    loadRejects().catch(report)
  })
}

const loadRejectSummary = async () => {
  const s = await api("rejects/summary", { hours: 24 })
  fill(
    $("reject-summary"),
    s.counts.map((c) =>
      el("tr", {}, el("td", {}, c.reason), el("td", {}, c.source), el("td", { class: "num" }, number.format(c.rejects)))
    ),
    3,
    "no rejects in 24 h"
  )
  const select = $("reject-reason")
  const known = new Set([...select.options].map((o) => o.value))
  for (const reason of [...new Set(s.counts.map((c) => c.reason))].sort()) {
    if (!known.has(reason)) select.append(el("option", {}, reason))
  }
}

const loadRuns = async () => {
  const page = await api("batch-runs", { limit: 10 })
  const rows = page.items.flatMap((r) => {
    const counts = Object.entries(r.counts)
      .map(([k, v]) => `${k} ${number.format(v)}`)
      .join(" · ")
    const row = el(
      "tr",
      { class: r.status === "failed" ? "failed run-row" : "run-row" },
      el("td", {}, r.day),
      el("td", {}, el("span", { class: `badge ${r.status}` }, r.status)),
      el("td", {}, dateTime(r.started_at)),
      el("td", { class: "num" }, seconds(r.duration_seconds)),
      el("td", { title: counts }, counts),
      el("td", { class: "num" }, r.reconciliation_gap === null ? "–" : number.format(r.reconciliation_gap))
    )
    if (r.status !== "failed" || r.error === null) return [row]
    const error = el("tr", { class: "failed error-row" }, el("td", {}, r.error))
    error.firstChild.colSpan = 6
    return [row, error]
  })
  fill($("runs"), rows, 6, "no batch runs yet")
}

const loadAnalytics = async () => {
  const stats = await api("analytics/categories", { days: 14 })
  drawCategories(stats)
  const latest = stats.days.at(-1)
  $("median-day").textContent = latest ? latest : ""
  fill(
    $("medians"),
    stats.rows
      .filter((r) => r.day === latest)
      .map((r) =>
        el(
          "tr",
          {},
          el("td", {}, r.category),
          el("td", { class: "num" }, number.format(r.pins)),
          el("td", { class: "num" }, r.median_follower_count === null ? "–" : number.format(r.median_follower_count))
        )
      ),
    3,
    "no processed day yet"
  )
  const select = $("tag-day")
  const days = [...stats.days].reverse()
  if ([...select.options].map((o) => o.value).join() !== days.join()) {
    select.replaceChildren(...days.map((d) => el("option", {}, d)))
    if (state.tagDay !== null && days.includes(state.tagDay)) select.value = state.tagDay
  }
  await loadTags()
}

const loadTags = async () => {
  const day = $("tag-day").value || null
  const t = await api("analytics/tags", { day, limit: 20 })
  const list = $("tags")
  list.replaceChildren(
    ...t.items.map((i) => el("li", {}, i.tag, el("span", { class: "count" }, number.format(i.pins))))
  )
  if (t.items.length === 0) list.replaceChildren(el("li", { class: "empty" }, "no tags for this day"))
}
$("tag-day").addEventListener("change", () => {
  state.tagDay = $("tag-day").value
  loadTags().catch(report)
})

// ---- refresh loop --------------------------------------------------------------------------------------
const report = (error) => {
  const banner = $("banner")
  banner.hidden = false
  banner.textContent =
    error instanceof HttpError && /HTTP 401/.test(error.message)
      ? "Not signed in: open /dashboard?key=<key> once."
      : `Could not refresh: ${error.message}`
}

const refresh = async () => {
  state.tick += 1
  // set synchronously when a refresh starts (tests read it right after driving the page's clock)
  document.body.dataset.started = String(state.tick)
  const jobs = [loadOverview(), loadMetrics(), loadFeed(), loadRejects(), loadRejectSummary()]
  if (state.tick % 5 === 1) jobs.push(loadRuns(), loadAnalytics())
  const results = await Promise.allSettled(jobs)
  const failed = results.find((r) => r.status === "rejected")
  if (failed) report(failed.reason)
  else $("banner").hidden = true
  $("status").textContent =
    `${state.paused ? "paused" : "live"} · updated ${new Date().toISOString().slice(11, 19)} UTC`
  document.body.dataset.refreshes = String(state.tick)
}

let timer = null
const schedule = () => {
  timer = setTimeout(async () => {
    await refresh()
    if (!state.paused) schedule()
  }, REFRESH_MS)
}

$("pause").addEventListener("click", () => {
  state.paused = !state.paused
  $("pause").textContent = state.paused ? "Resume" : "Pause"
  $("pause").setAttribute("aria-pressed", String(state.paused))
  if (state.paused) clearTimeout(timer)
  else refresh().then(schedule)
  $("status").textContent = state.paused ? "paused" : "live"
})

window.addEventListener("resize", () => {
  minutesChart?.setSize(chartSize("minutes-chart", 240))
  categoriesChart?.setSize(chartSize("categories-chart", 240))
})

bindMinuteClicks()
refresh().then(schedule)
