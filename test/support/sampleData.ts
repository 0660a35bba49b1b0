/**
 * The real sample rows in ../shared/data (beside the checkout). Tests that need them skip with a reason
 * when the folder is absent — except under CI (any truthy `CI`), where its absence is a failure.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { isCI } from "./ci.ts"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
export const samplePath = fileURLToPath(new URL("../../../shared/data/pins-sample.ndjson", import.meta.url))

/** The sample's lines (of `path`), or the reason they cannot be had (thrown under CI). */
export const sampleLines = (
  path: string = samplePath,
  env: Readonly<Record<string, string | undefined>> = process.env
): { readonly lines: ReadonlyArray<string> } | { readonly skip: string } => {
  if (existsSync(path)) {
    return {
      lines: readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.length > 0)
    }
  }
  const reason = `sample data not found at ${path} (the shared/ folder beside the checkout)`
  if (isCI(env)) throw new Error(`${reason}; CI must have it`)
  return { skip: reason }
}
