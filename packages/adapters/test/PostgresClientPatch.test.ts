/**
 * pinflow ships postgres 3.4.9 with three guards (patches/postgres+3.4.9.patch, applied by `npm ci`'s
 * postinstall): a deferred write on a connection that closed meanwhile settles its queries with
 * CONNECTION_CLOSED instead of throwing from a timer and killing the process (upstream issues #1154,
 * #1208, fix not released); a COPY FROM STDIN the server refuses fails its writable with the
 * server's error instead of leaving it unfinished forever (PinStore.integration's copy tests show the
 * behaviour); and the array-type query every new connection sends first is no longer a dropped promise,
 * so a connection reset during it fails only the waiting query instead of killing the process
 * (PostgresConnectionReset.integration shows it; upstream issues #1192, #1205, #1223). This checks the
 * installed client is the patched one, so an upgrade or a skipped postinstall is noticed here rather than
 * as a crashed or stuck worker.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"

const require = createRequire(import.meta.url)
// the CommonJS entry is cjs/src/index.js: the package root is three levels up
const root = dirname(dirname(dirname(require.resolve("postgres"))))

describe("the postgres client", () => {
  it("is the patched 3.4.9 in both its ESM and CommonJS builds", () => {
    expect((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version).toBe("3.4.9")
    for (const build of ["src/connection.js", "cjs/src/connection.js"]) {
      const source = readFileSync(join(root, build), "utf8")
      const nextWrite = source.slice(
        source.indexOf("function nextWrite(fn) {"),
        source.indexOf("function connectTimedOut")
      )
      expect(nextWrite).toContain("if (socket === null) {")
      expect(nextWrite).toContain("error(Errors.connection('CONNECTION_CLOSED', options))")
      const from = source.indexOf("function ReadyForQuery(x) {")
      const readyForQuery = source.slice(from, source.indexOf("if (query) {", from))
      expect(readyForQuery).toContain("if (errorResponse && final) {")
      expect(readyForQuery).toContain("callback(errorResponse)")
      expect(source).toContain("return fetchArrayTypes().catch(noop)")
    }
  })
})
