/**
 * A preload (`node --import ./test/lean/recordModules.ts …`) that appends the URL of every module the
 * process loads, ESM or CommonJS, to the file `PINFLOW_MODULES_FILE`, one per line: the tests of issue 11
 * read it to prove a program never loaded a backend it does not use.
 */
import { appendFileSync } from "node:fs"
import { registerHooks } from "node:module"

const file = process.env.PINFLOW_MODULES_FILE
if (file !== undefined && file !== "") {
  registerHooks({
    load: (url, context, nextLoad) => {
      // synchronous on purpose: a module whose load ends the process is still listed
      appendFileSync(file, `${url}\n`)
      return nextLoad(url, context)
    }
  })
}
