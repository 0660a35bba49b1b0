/**
 * The page's static files, read once when the routes are built: the page, its script and style from
 * `public/`, uPlot's own dist files from node_modules (no build step, no CDN: works offline).
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
}

const publicFile = (name: string) => fileURLToPath(new URL(`../public/${name}`, import.meta.url))
const require = createRequire(import.meta.url)

const sources: ReadonlyArray<readonly [string, string, string]> = [
  ["app.js", publicFile("app.js"), "text/javascript; charset=utf-8"],
  ["app.css", publicFile("app.css"), "text/css; charset=utf-8"],
  ["uPlot.iife.min.js", require.resolve("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
  ["uPlot.min.css", require.resolve("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"]
]

/** `/dashboard/assets/<name>` → file; anything else is a 404 (no path is ever joined from a request). */
export const loadAssets = (): ReadonlyMap<string, Asset> =>
  new Map(sources.map(([name, path, contentType]) => [name, { body: readFileSync(path), contentType }]))

export const loadPage = (): Uint8Array => readFileSync(publicFile("dashboard.html"))
