/** `node packages/start/src/main.ts`: launches `pinflow start` (`StartProgram.ts`) without the demo. */
import { runProgram } from "@pinflow/adapters"
import { runStart } from "./StartProgram.ts"

if (import.meta.main) runProgram(runStart({ demo: false, demoRate: 20 }))
