/**
 * `pinflow dashboard`: the dashboard on its own port over `DATABASE_URL` (a read-only role is enough) and
 * the programs' `/metrics`.
 */
import { Database } from "@pinflow/adapters/Database"
import { LogLevelLayer } from "@pinflow/adapters/ProgramRuntime"
import { Duration, Effect, Layer } from "effect"
import { DashboardNodeServer, DashboardServer } from "./DashboardServer.ts"

export const DashboardProgram = DashboardServer.pipe(
  Layer.provide(DashboardNodeServer),
  Layer.provide(Database.layerConfig({ max: 4, statementTimeout: Duration.seconds(5) })),
  Layer.provide(LogLevelLayer)
)

export const runDashboard = Layer.launch(DashboardProgram).pipe(Effect.annotateLogs({ service: "dashboard" }))
