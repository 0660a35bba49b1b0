/**
 * A database an operator misconfigured: `pinflow migrate` says so in one line naming DATABASE_URL (password
 * masked) and the fix, at once (no 10 s retry), exit 1, no stack trace.
 */
import { assert, it } from "vitest"
import { describeIntegration } from "../support/integration.ts"
import { spawnProgram } from "../support/spawnProgram.ts"

/** `pinflow migrate` with `DATABASE_URL=url`: its output lines' messages (JSON log lines), exit code, duration. */
const migrate = async (url: string) => {
  const started = performance.now()
  const program = spawnProgram("packages/cli/src/bin.ts", ["migrate"], {
    ...process.env,
    DATABASE_URL: url,
    DATABASE_SCHEMA: undefined,
    LOG_FORMAT: "json",
    LOG_LEVEL: "Info"
  })
  const code = await program.exited
  const seconds = (performance.now() - started) / 1000
  const lines = program
    .output()
    .split("\n")
    .filter((line) => line.trim() !== "")
  const messages = lines.map((line) => {
    try {
      return (JSON.parse(line) as { message: unknown }).message
    } catch {
      return line
    }
  })
  return { code, seconds, lines, messages }
}

const withUrl = (base: string, change: (url: URL) => void) => {
  const url = new URL(base)
  change(url)
  return url.toString()
}

describeIntegration("database errors an operator can act on", ["postgres"], (env) => {
  it("a wrong password: one line naming DATABASE_URL (masked) and the fix, at once", async () => {
    const url = withUrl(env.databaseUrl, (u) => {
      u.password = "not-the-password"
    })
    const masked = withUrl(env.databaseUrl, (u) => {
      u.password = "***"
    })
    const user = new URL(env.databaseUrl).username
    const result = await migrate(url)
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.messages, [
      `DATABASE_URL=${masked}: password authentication failed for user "${user}" — check the user and password in DATABASE_URL (\`npm run services -- env\` prints the development one)`
    ])
    assert.notInclude(result.lines.join("\n"), "not-the-password")
    assert.isBelow(result.seconds, 8, "failed at once, not after the 10 s retry")
  })

  it("an unknown database: one line naming it and the fix, at once", async () => {
    const url = withUrl(env.databaseUrl, (u) => {
      u.pathname = "/no_such_database_here"
    })
    const masked = withUrl(url, (u) => {
      if (u.password !== "") u.password = "***"
    })
    const result = await migrate(url)
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.messages, [
      `DATABASE_URL=${masked}: database "no_such_database_here" does not exist — create that database (CREATE DATABASE …) or fix its name at the end of DATABASE_URL`
    ])
    assert.isBelow(result.seconds, 8, "failed at once, not after the 10 s retry")
  })

  it("a malformed DATABASE_URL: one line with an example of the expected form", async () => {
    const result = await migrate("pinflow:secret@127.0.0.1:5432/pinflow")
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.messages, [
      'DATABASE_URL=pinflow:***@127.0.0.1:5432/pinflow is not a PostgreSQL URL (the scheme is "pinflow", not postgres) — expected the form postgres://user:password@host:5432/database'
    ])
    assert.notInclude(result.lines.join("\n"), "secret")
  })

  it("an unparseable DATABASE_URL keeps its password masked", async () => {
    const result = await migrate("postgres://pinflow:secret@127.0.0.1:notaport/pinflow")
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.messages, [
      "DATABASE_URL=postgres://pinflow:***@127.0.0.1:notaport/pinflow is not a PostgreSQL URL (not a URL) — expected the form postgres://user:password@host:5432/database"
    ])
    assert.notInclude(result.lines.join("\n"), "secret")
  })
})
