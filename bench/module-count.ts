/**
 * `node --import ./bench/module-count.ts <program>`: counts the modules a program loads, for
 * `npm run bench -- idle`. A synchronous `module.registerHooks` load hook sees every module the loader
 * loads — ESM imports and CommonJS requires alike — so the count is what the process really evaluated.
 * Every 250 ms and at exit it writes `BENCH_MODULES_OUT` (JSON): the file modules, the builtins, the
 * modules per npm package, and the process's own VmRSS/VmHWM (read here, so a short-lived program like
 * `pinflow --help` still reports them).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { registerHooks } from "node:module"

const out = process.env.BENCH_MODULES_OUT
const files = new Set<string>()
const builtins = new Set<string>()

registerHooks({
  load: (url, context, nextLoad) => {
    if (url.startsWith("node:") || !url.includes(":")) builtins.add(url)
    else files.add(url)
    return nextLoad(url, context)
  }
})

/** `@scope/name` or `name` of the last node_modules segment; workspace packages by their folder. */
const packageOf = (url: string): string => {
  const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m?.[1] !== undefined) return m[1]
  const w = /\/packages\/([^/]+)\//.exec(url)
  return w?.[1] !== undefined ? `@pinflow/${w[1]}` : "(other)"
}

const kb = (status: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)

const write = () => {
  if (out === undefined) return
  const status = readFileSync("/proc/self/status", "utf8")
  const packages: Record<string, number> = {}
  for (const url of files) packages[packageOf(url)] = (packages[packageOf(url)] ?? 0) + 1
  writeFileSync(
    out,
    JSON.stringify({
      files: files.size,
      builtins: builtins.size,
      packages,
      rssMb: kb(status, "VmRSS") / 1024,
      peakMb: kb(status, "VmHWM") / 1024
    })
  )
}

setInterval(write, 250).unref()
process.on("exit", write)
