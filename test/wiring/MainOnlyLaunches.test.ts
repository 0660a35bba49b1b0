/**
 * Issue 12's one wiring pattern: each program's `main.ts` only imports and launches (`runProgram`), and no
 * module imports a `main` — the CLI, `pinflow start`, benches and tests import the named program modules.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

const packages = readdirSync(join(root, "packages"))
const mains = packages.map((name) => join(root, "packages", name, "src", "main.ts")).filter((path) => existsSync(path))

/** What is left of a module once comments, blank lines and import declarations are gone. */
const statementsOf = (text: string): Array<string> =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/^import\s[\s\S]*?\sfrom\s+"[^"]+"\s*$/gm, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")

const importsMain = /(?:\bfrom\s+|\bimport\(\s*)["'][^"']*\/main(?:\.ts)?["']/

describe("one wiring pattern", () => {
  it("finds the five programs' mains", () => {
    expect(mains.map((path) => relative(root, path)).sort()).toEqual([
      "packages/batch/src/main.ts",
      "packages/dashboard/src/main.ts",
      "packages/ingest/src/main.ts",
      "packages/start/src/main.ts",
      "packages/stream/src/main.ts"
    ])
  })

  it.each(mains.map((path) => [relative(root, path), path]))("%s only imports and launches", (_, path) => {
    const statements = statementsOf(readFileSync(path, "utf8"))
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/^if \(import\.meta\.main\) runProgram\([\w.]+(?:\([^()]*\))?\)$/)
  })

  it("no module imports a program's main", () => {
    const files = ["packages", "test", "bench"].flatMap((dir) => sources(join(root, dir)))
    const offenders = files.filter((path) => importsMain.test(readFileSync(path, "utf8")))
    expect(offenders.map((path) => relative(root, path))).toEqual([])
  })
})
