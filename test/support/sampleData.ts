/**
 * The real sample rows in ../shared/data (beside the checkout). Tests that need them skip with a reason
 * when the folder is absent — except under CI=true, where its absence is a failure.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
export const samplePath = fileURLToPath(new URL("../../../shared/data/pins-sample.ndjson", import.meta.url))

/** The sample's lines, or the reason they cannot be had (thrown under CI). */
export const sampleLines = (): { readonly lines: ReadonlyArray<string> } | { readonly skip: string } => {
  if (existsSync(samplePath)) {
    return {
      lines: readFileSync(samplePath, "utf8")
        .split("\n")
        .filter((line) => line.length > 0)
    }
  }
  const reason = `sample data not found at ${samplePath} (the shared/ folder beside the checkout)`
  if (process.env.CI === "true") throw new Error(`${reason}; CI must have it`)
  return { skip: reason }
}
