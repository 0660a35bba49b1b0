/**
 * `npm run bench -- <ingest|stream|batch|e2e|soak|idle> [--quick]`: runs one benchmark module. Each module measures
 * its own baseline in the same run, prints a table and ends with one summary line.
 */
import { existsSync } from "node:fs"

export interface BenchOptions {
  /** A smaller run for smoke checks; figures from it are not the ones to publish. */
  readonly quick: boolean
}

export interface BenchModule {
  readonly run: (options: BenchOptions) => Promise<void>
}

const names = ["ingest", "stream", "batch", "e2e", "soak", "idle", "kafka-clients"] as const
const args = process.argv.slice(2)
const name = args.find((arg) => !arg.startsWith("-"))
const quick = args.includes("--quick")

if (name === undefined || !(names as ReadonlyArray<string>).includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${names.join("|")}> [--quick]\n`)
  process.exit(2)
}
const file = new URL(`./${name}.ts`, import.meta.url)
if (!existsSync(file)) {
  process.stderr.write(`bench ${name}: ${file.pathname} does not exist\n`)
  process.exit(2)
}
const module = (await import(file.href)) as BenchModule
await module.run({ quick })
