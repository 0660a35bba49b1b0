/** `node packages/stream/src/main.ts`: launches the stream program (`StreamProgram.ts`), as `pinflow stream` does. */
import { runProgram } from "@pinflow/adapters"
import { runStream } from "./StreamProgram.ts"

// SIGTERM/SIGINT end the program by interruption: exit 0 after that graceful stop, 1 after a failure.
if (import.meta.main) runProgram(runStream)
