/**
 * `pinflow …` run as a child process with ./recordModules.ts preloaded: every module it loaded can be read
 * back, to prove a program never loaded a backend it does not use.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Program, spawnProgram } from "../support/spawnProgram.ts"

const hook = fileURLToPath(new URL("./recordModules.ts", import.meta.url))

/** The heavy packages a program may load only when it uses them. */
export const heavy = {
  gcs: "/node_modules/@google-cloud/storage/",
  pglite: "/node_modules/@electric-sql/pglite/",
  pgliteSocket: "/node_modules/@electric-sql/pglite-socket/",
  kafkajs: "/node_modules/kafkajs/",
  redis: "/node_modules/@redis/client/"
} as const

export interface Recorded extends Program {
  /** The URLs of the modules loaded so far, each once. */
  readonly modules: () => ReadonlyArray<string>
  /** Removes the list's folder. */
  readonly cleanup: () => void
}

/** `node <script> …args` with the recording preload; `env` over the test's own environment. */
export const spawnRecorded = (
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>
): Recorded => {
  const dir = mkdtempSync(join(tmpdir(), "pinflow-modules-"))
  const file = join(dir, "modules.txt")
  const program = spawnProgram(script, args, {
    ...process.env,
    ...env,
    NODE_OPTIONS: `--import ${hook}`,
    PINFLOW_MODULES_FILE: file
  })
  return {
    ...program,
    modules: () => {
      try {
        return [
          ...new Set(
            readFileSync(file, "utf8")
              .split("\n")
              .filter((line) => line.length > 0)
          )
        ]
      } catch {
        return []
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** The recorded modules inside `fragment` (a path such as `heavy.gcs`), for an assertion that names them. */
export const within = (modules: ReadonlyArray<string>, fragment: string): ReadonlyArray<string> =>
  modules.filter((url) => url.includes(fragment))
