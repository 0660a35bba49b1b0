/**
 * Startup failures a newcomer meets in the first hour, each as one line naming the setting, the value and
 * the fix, exit 1, no stack trace at the default level: a port in use (ingest, start), a bad or future
 * `batch run --date`, an unknown LOG_FORMAT.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { baseEnv, errorMessages, jsonRecords, runCli, stackFrame } from "./Cli.ts"

/** A port some other process holds on 127.0.0.1. */
const occupied = async (): Promise<{ readonly server: Server; readonly port: number }> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 }
}

const today = () => new Date().toISOString().slice(0, 10)

describe("port in use", () => {
  let held: { readonly server: Server; readonly port: number }
  let home: string
  beforeAll(async () => {
    held = await occupied()
    home = mkdtempSync(join(tmpdir(), "pinflow-errors-"))
  })
  afterAll(() => {
    held.server.close()
    rmSync(home, { recursive: true, force: true })
  })

  it("pinflow ingest --port P: one line naming PORT/--port, exit 1, no stack", async () => {
    const run = await runCli(["ingest", "--port", String(held.port), "--host", "127.0.0.1"], baseEnv({}))
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `cannot listen on 127.0.0.1:${held.port}: the port is already in use by another process — stop it, or choose another port with PORT or --port`
    ])
    assert.notMatch(run.output, stackFrame)
  })

  it("pinflow ingest with PORT in use at LOG_LEVEL=Debug: the same line, then the cause with its stack", async () => {
    const run = await runCli(
      ["ingest"],
      baseEnv({ PORT: String(held.port), HOST: "127.0.0.1", LOG_LEVEL: "Debug", LOG_FORMAT: "json" })
    )
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `cannot listen on 127.0.0.1:${held.port}: the port is already in use by another process — stop it, or choose another port with PORT or --port`
    ])
    assert.match(run.output, stackFrame)
    assert.include(run.output, "EADDRINUSE")
  })

  it("LOG_FORMAT=pretty: ingest's failure is one readable line, the shape batch's has", async () => {
    const run = await runCli(
      ["ingest", "--port", String(held.port), "--host", "127.0.0.1"],
      baseEnv({ LOG_FORMAT: "pretty" })
    )
    assert.strictEqual(run.code, 1, run.output)
    assert.strictEqual(run.lines.length, 1, run.output)
    assert.match(
      run.lines[0] ?? "",
      new RegExp(
        `^\\[\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\] ERROR \\(#\\d+\\): cannot listen on 127\\.0\\.0\\.1:${held.port}: the port is already in use by another process — stop it, or choose another port with PORT or --port$`
      )
    )
  })

  it("pinflow start --port P (embedded): one line naming PORT/--port, exit 1, no stack", async () => {
    const run = await runCli(
      ["start", "--port", String(held.port), "--host", "127.0.0.1"],
      baseEnv({
        PINFLOW_HOME: home,
        KAFKA_BROKERS: undefined,
        DATABASE_URL: undefined,
        GCS_BUCKET: undefined,
        GCS_ENDPOINT: undefined,
        START_FAILURE_GRACE: "0 seconds"
      })
    )
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), [
      `pinflow start: could not start: cannot listen on 127.0.0.1:${held.port}: the port is already in use by another process — stop it, or choose another port with PORT or --port`
    ])
    assert.notMatch(run.output, stackFrame)
  }, 60_000)
})

describe("a malformed setting", () => {
  it("PORT=abc: one line naming the variable, its value and what is expected, exit 1, no stack", async () => {
    const run = await runCli(["ingest"], baseEnv({ PORT: "abc" }))
    assert.strictEqual(run.code, 1, run.output)
    assert.deepStrictEqual(errorMessages(run), ["PORT=abc: expected a string representing a finite number"])
    assert.strictEqual(run.lines.length, 1, run.output)
    assert.notMatch(run.output, stackFrame)
  })
})

describe("batch run --date", () => {
  const cases: ReadonlyArray<readonly [string, (today: string) => string]> = [
    ["2026-13-01", (t) => `--date "2026-13-01" is not a calendar day: expected YYYY-MM-DD, e.g. --date ${t}`],
    ["2026-02-29", (t) => `--date "2026-02-29" is not a calendar day: expected YYYY-MM-DD, e.g. --date ${t}`],
    ["yesterday", (t) => `--date "yesterday" is not a calendar day: expected YYYY-MM-DD, e.g. --date ${t}`],
    ["2026-1-01", (t) => `--date "2026-1-01" is not a calendar day: expected YYYY-MM-DD, e.g. --date ${t}`],
    ["9999-12-31", (t) => `--date 9999-12-31 is in the future (today is ${t}, UTC): a day can be run from that day on`]
  ]
  for (const [value, expected] of cases)
    it(`--date ${value}: one line, not under the help text, exit 1`, async () => {
      const before = today()
      const run = await runCli(["batch", "run", "--date", value], baseEnv({}))
      const after = today()
      assert.strictEqual(run.code, 1, run.output)
      // the day may turn while the process runs: either day's message is right
      assert.oneOf(JSON.stringify(errorMessages(run)), [
        JSON.stringify([expected(before)]),
        JSON.stringify([expected(after)])
      ])
      assert.strictEqual(run.lines.length, 1, run.output)
      assert.notMatch(run.output, stackFrame)
    })
})

describe("LOG_FORMAT", () => {
  it("json: every line is one JSON record; an error is one record with the message", async () => {
    const run = await runCli(["batch", "run", "--date", "2026-13-01"], baseEnv({ LOG_FORMAT: "json" }))
    assert.strictEqual(run.code, 1)
    assert.strictEqual(run.lines.length, 1, run.output)
    const [record] = jsonRecords(run)
    assert.strictEqual(record?.level, "ERROR")
    assert.match(
      String(record?.message),
      /^--date "2026-13-01" is not a calendar day: expected YYYY-MM-DD, e\.g\. --date \d{4}-\d{2}-\d{2}$/
    )
  })

  it("pretty (any case): the same error as one readable line", async () => {
    const run = await runCli(["batch", "run", "--date", "2026-13-01"], baseEnv({ LOG_FORMAT: "Pretty" }))
    assert.strictEqual(run.code, 1)
    assert.strictEqual(run.lines.length, 1, run.output)
    assert.match(
      run.lines[0] ?? "",
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] ERROR \(#\d+\): --date "2026-13-01" is not a calendar day: expected YYYY-MM-DD, e\.g\. --date \d{4}-\d{2}-\d{2}$/
    )
  })

  it("unset, not on a terminal: JSON", async () => {
    const run = await runCli(["batch", "run", "--date", "2026-13-01"], baseEnv({}))
    assert.strictEqual(run.code, 1)
    assert.deepStrictEqual(
      jsonRecords(run).map((r) => r.level),
      ["ERROR"]
    )
  })

  it("an unknown format (or level): one line naming the variable and the choices, exit 1", async () => {
    const format = await runCli(["batch", "run", "--date", "2026-11-30"], baseEnv({ LOG_FORMAT: "yaml" }))
    assert.strictEqual(format.code, 1, format.output)
    // the format is what is unknown, so the line is in the runtime's default (pretty) format
    assert.match(
      format.output,
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] ERROR \(#\d+\): LOG_FORMAT=yaml: expected pretty or json\n$/
    )
    const level = await runCli(["batch", "run", "--date", "2026-11-30"], baseEnv({ LOG_LEVEL: "loud" }))
    assert.strictEqual(level.code, 1, level.output)
    assert.match(
      level.output,
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] ERROR \(#\d+\): LOG_LEVEL=loud: expected one of All, Fatal, Error, Warn, Info, Debug, Trace, None\n$/
    )
  })
})
