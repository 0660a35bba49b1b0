/**
 * `node packages/batch/src/main.ts`: launches the batch schedule (`BatchScheduleProgram.ts`), as
 * `pinflow batch schedule` does; `pinflow batch run` runs `BatchRunner.ts`.
 */
import { runProgram } from "@pinflow/adapters"
import { runSchedule } from "./BatchScheduleProgram.ts"

// SIGTERM/SIGINT end the schedule by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runSchedule())
