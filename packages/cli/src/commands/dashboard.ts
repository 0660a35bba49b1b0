/** `pinflow dashboard`: the live page over Postgres and the programs' /metrics (see packages/dashboard/README.md). */
import { ConfigProvider, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

const port = Flag.Int("port").pipe(
  Flag.withDescription("Port of the dashboard (default: DASHBOARD_PORT or 8090)"),
  Flag.optional
)

const metrics = Flag.String("metrics").pipe(
  Flag.withDescription(
    "Comma-separated /metrics URLs of the edge, stream worker(s) and batch (default: DASHBOARD_METRICS)"
  ),
  Flag.optional
)

export const dashboard = Command.make("dashboard", { port, metrics }, (flags) => {
  const overrides: Record<string, string> = {}
  if (Option.isSome(flags.port)) overrides.DASHBOARD_PORT = String(flags.port.value)
  if (Option.isSome(flags.metrics)) overrides.DASHBOARD_METRICS = flags.metrics.value
  // imported when the command runs: `--help` and the other commands never load the dashboard
  return Effect.promise(() => import("@pinflow/dashboard/DashboardProgram")).pipe(
    Effect.flatMap(({ runDashboard }) => runDashboard),
    Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromUnknown(overrides), { asPrimary: true }))
  )
}).pipe(
  Command.withDescription(
    "Serve the live dashboard (GET /dashboard, JSON under /api/, /api/openapi.json) over DATABASE_URL — a read-only role is enough, every query runs READ ONLY — and the programs' /metrics. With DASHBOARD_KEY (else INGEST_API_KEY) set, open /dashboard?key=<key> once; API clients send Authorization: Bearer <key>. Env: DATABASE_URL, DASHBOARD_PORT, HOST, DASHBOARD_KEY, INGEST_API_KEY, DASHBOARD_METRICS, LOG_LEVEL, LOG_FORMAT (pretty|json)"
  ),
  Command.withExamples([
    {
      command: "pinflow dashboard --port 8090 --metrics http://127.0.0.1:8000/metrics,http://127.0.0.1:9464/metrics",
      description: "The dashboard over the edge's and the worker's metrics"
    }
  ])
)
