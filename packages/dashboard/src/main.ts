/** `node packages/dashboard/src/main.ts`: launches the dashboard (`DashboardProgram.ts`), as `pinflow dashboard` does. */
import { runProgram } from "@pinflow/adapters/ProgramRuntime"
import { runDashboard } from "./DashboardProgram.ts"

// SIGTERM/SIGINT end the program by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runDashboard)
