/** `node packages/ingest/src/main.ts`: launches the ingest program (`IngestProgram.ts`), as `pinflow ingest` does. */
import { runProgram } from "@pinflow/adapters/ProgramRuntime"
import { runIngest } from "./IngestProgram.ts"

// SIGTERM/SIGINT end the program by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runIngest)
