/**
 * A newcomer's first look at the data: `pinflow start` prints a ready connection string for its embedded
 * database and, at every start, how many rows it already holds; `pinflow sql` reaches that database while
 * start runs (on PINFLOW_DB_PORT, or on the fallback port its pinflow.pid records) and opens the folder
 * itself once start has stopped; a second process on the same folder is refused in one line.
 */
import { mkdtempSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { eventually, metric, postPins, startPinflow } from "../start/StartProcess.ts"
import { freePort } from "../support/freePort.ts"
import { sampleLines } from "../support/sampleData.ts"
import { spawnProgram } from "../support/spawnProgram.ts"

/** The sample's one empty pin among its first rows (see test/start/start.test.ts). */
const emptyPin = "72c5e48f-2413-4c40-8724-71c11a87e80b"

/** `pinflow sql ...args` on the embedded backends of `home`: exit code and stdout+stderr lines. */
const sql = async (home: string, dbPort: number, args: ReadonlyArray<string>) => {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PINFLOW_HOME: home,
    PINFLOW_DB_PORT: String(dbPort),
    LOG_FORMAT: "json"
  }
  for (const name of ["DATABASE_URL", "DATABASE_SCHEMA", "KAFKA_BROKERS", "GCS_BUCKET"]) delete env[name]
  const program = spawnProgram("packages/cli/src/bin.ts", ["sql", ...args], env)
  const code = await program.exited
  return {
    code,
    lines: program
      .output()
      .split("\n")
      .filter((line) => line !== "")
  }
}

/** Holds a TCP port on 127.0.0.1 (so the embedded database must fall back) until `close`. */
const occupyPort = () =>
  new Promise<{ port: number; close: () => Promise<void> }>((resolve, reject) => {
    // a connection is closed at once: whoever mistakes this port for the database fails fast
    const server = createServer((socket) => socket.destroy())
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) })
    })
  })

describe("pinflow start's embedded database, seen by a newcomer", () => {
  it("prints its connection string and held rows; pinflow sql reads it running and stopped", async (ctx) => {
    const sample = sampleLines()
    if ("skip" in sample) return ctx.skip(sample.skip)
    const home = join(mkdtempSync(join(tmpdir(), "pinflow-firsthour-")), ".pinflow")
    const dbPort = await freePort()
    const lines = sample.lines.slice(0, 6).filter((line) => !line.includes(emptyPin))
    const invalid = JSON.stringify({ unique_id: "bad-1", title: 3 })

    const run1 = await startPinflow({ PINFLOW_HOME: home, PINFLOW_DB_PORT: String(dbPort), LOG_FORMAT: "json" })
    const url = `postgres://postgres@127.0.0.1:${dbPort}/postgres`
    try {
      assert.include(
        run1.output(),
        `database: embedded PostgreSQL (PGlite) in ${home}/postgres, served at ${url} for psql or \`pinflow sql\` (PINFLOW_DB_PORT; set DATABASE_URL for PostgreSQL)`
      )
      assert.include(
        run1.output(),
        `database ${url} holds 0 pins and 0 rejects (earlier runs included; the status line counts this run only)`,
        run1.output()
      )
      assert.strictEqual((await postPins(run1.url, [...lines, invalid])).status, 200)
      await eventually(
        async () =>
          (await metric(run1.url, "pinflow_pins_written_total")) === lines.length &&
          (await metric(run1.url, "pinflow_rejects_written_total")) === 1,
        "the worker to write the pins and the reject",
        run1.output
      )
      // while start runs: its database on PINFLOW_DB_PORT
      assert.deepStrictEqual(
        await sql(home, dbPort, [
          "--json",
          "select count(*)::int as pins, (select count(*)::int from pin_rejects) as rejects from pins"
        ]),
        { code: 0, lines: [JSON.stringify({ pins: lines.length, rejects: 1 })] }
      )
    } finally {
      assert.strictEqual(await run1.stop(), 0, run1.output())
    }

    // a restart on a taken port: one line saying so, the rows it holds, and pinflow sql still finds it
    const taken = await occupyPort()
    const run2 = await startPinflow({ PINFLOW_HOME: home, PINFLOW_DB_PORT: String(taken.port), LOG_FORMAT: "json" })
    try {
      assert.include(
        run2.output(),
        `embedded database: port ${taken.port} is taken, serving on a free port instead (set PINFLOW_DB_PORT to choose another)`
      )
      assert.match(
        run2.output(),
        new RegExp(
          `database postgres://postgres@127\\.0\\.0\\.1:\\d+/postgres holds ${lines.length} pins and 1 rejects \\(earlier runs included; the status line counts this run only\\)`
        )
      )
      assert.deepStrictEqual(await sql(home, taken.port, ["--json", "select count(*)::int as n from pins"]), {
        code: 0,
        lines: [JSON.stringify({ n: lines.length })]
      })
      // a second process on the same folder is refused, naming the holder
      const second = await startPinflow({ PINFLOW_HOME: home, PINFLOW_DB_PORT: "0" }).then(
        () => assert.fail("a second pinflow start on the same folder started"),
        (error: Error) => error.message
      )
      assert.match(
        second,
        /embedded PostgreSQL in .*\/postgres is in use by process \d+ \(a running `pinflow start`\?\) — stop it, or while it runs reach its database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres with `pinflow sql` or psql/
      )
    } finally {
      assert.strictEqual(await run2.stop(), 0, run2.output())
      await taken.close()
    }

    // stopped: pinflow sql opens the folder itself and prints a table
    assert.deepStrictEqual(await sql(home, dbPort, ["select count(*) as n from pin_rejects where reason = 'schema'"]), {
      code: 0,
      lines: ["n", "-", "1", "(1 row)"]
    })
  }, 180_000)
})
