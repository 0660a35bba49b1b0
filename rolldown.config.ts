/**
 * `npm run build`: the production bundle of the `pinflow` command, `dist/pinflow.mjs` plus one chunk per
 * lazily imported program under `dist/chunks/`. Running sources costs memory the bundle does not: node's
 * type stripping and every module of `effect` parsed whole (idle edge ~190 MB from source, ~117 MB bundled).
 * `effect`, `@effect/*` and `@pinflow/*` are bundled and tree-shaken; every other package stays external
 * and is resolved from node_modules at run time (PGlite, kafkajs, postgres and the GCS client need their
 * own files: wasm, patches, protos).
 */
import { cpSync } from "node:fs"
// a type-only import: the config also loads where rolldown runs through npx (the Containerfile's build stage)
import type { RolldownOptions } from "rolldown"

const bundled = (id: string): boolean =>
  id.startsWith(".") ||
  id.startsWith("/") ||
  id.startsWith("@pinflow/") ||
  id === "effect" ||
  id.startsWith("effect/") ||
  id.startsWith("@effect/")

export default {
  input: { pinflow: "packages/cli/src/bin.ts" },
  platform: "node",
  external: (id) => !bundled(id),
  output: {
    dir: "dist",
    format: "esm",
    entryFileNames: "[name].mjs",
    // chunks one folder down: the dashboard reads `../public/` next to its module (copied below)
    chunkFileNames: "chunks/[name]-[hash].mjs",
    // not emptied: a program started from an earlier build still finds its lazily imported chunks
    cleanDir: false
  },
  plugins: [
    {
      name: "dashboard-public",
      writeBundle: () => cpSync("packages/dashboard/public", "dist/public", { recursive: true })
    }
  ]
} satisfies RolldownOptions
