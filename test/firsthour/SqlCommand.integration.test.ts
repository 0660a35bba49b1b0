/**
 * `pinflow sql` on DATABASE_URL with DATABASE_SCHEMA: statements piped on standard input run in order in
 * that schema (created when missing), each result printed; a refused statement ends the command with one
 * line and exit 1.
 */
import { spawn } from "node:child_process"
import postgres from "postgres"
import { afterAll, assert, it } from "vitest"
import { describeIntegration, uniqueName } from "../support/integration.ts"
import { repoRoot } from "../support/sampleData.ts"

/** `pinflow sql ...args` with `input` on standard input: exit code, stdout lines, stderr. */
const sqlWithInput = (env: Record<string, string | undefined>, args: ReadonlyArray<string>, input: string) =>
  new Promise<{ code: number | null; stdout: ReadonlyArray<string>; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["packages/cli/src/bin.ts", "sql", ...args], { cwd: repoRoot, env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk)
    })
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk)
    })
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, stdout: stdout.split("\n").filter((line) => line !== ""), stderr }))
    child.stdin.end(input)
  })

describeIntegration("pinflow sql on DATABASE_URL and DATABASE_SCHEMA", ["postgres"], (env) => {
  const schema = uniqueName("sql", "_")
  const admin = postgres(env.databaseUrl, { max: 1, onnotice: () => undefined })
  afterAll(async () => {
    await admin.unsafe(`drop schema if exists "${schema}" cascade`)
    await admin.end({ timeout: 5 })
  })
  const vars = { ...process.env, DATABASE_URL: env.databaseUrl, DATABASE_SCHEMA: schema, LOG_FORMAT: "json" }

  it("runs piped statements in the schema, printing each result", async () => {
    const result = await sqlWithInput(
      vars,
      [],
      "create table notes (id int, body text);\ninsert into notes values (1, 'a;b'), (2, null);\nselect * from notes order by id;\n"
    )
    assert.deepStrictEqual(result, {
      code: 0,
      stdout: ["CREATE TABLE", "INSERT 2", "id | body", "---+-----", "1  | a;b", "2  |", "(2 rows)"],
      stderr: ""
    })
    const [where] = await admin<Array<{ schema: string }>>`
      select table_schema as schema from information_schema.tables where table_name = 'notes' and table_schema = ${schema}`
    assert.strictEqual(where?.schema, schema)
  })

  it("--json prints one object per row; a refused statement is one line and exit 1, later ones not run", async () => {
    const result = await sqlWithInput(
      vars,
      ["--json"],
      "select id from notes order by id; select nope from notes; insert into notes values (3, 'c')"
    )
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.stdout.slice(0, 2), ['{"id":1}', '{"id":2}'])
    const logged = result.stdout.slice(2).map((line) => (JSON.parse(line) as { message: string }).message)
    assert.deepStrictEqual(logged, ['column "nope" does not exist (SQLSTATE 42703)'])
    const [count] = await admin.unsafe<Array<{ n: number }>>(`select count(*)::int as n from "${schema}".notes`)
    assert.strictEqual(count?.n, 2)
  })
})
