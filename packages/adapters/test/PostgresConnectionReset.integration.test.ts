/**
 * A connection reset while postgres.js runs its first statement on a new connection (the array-type
 * query it sends before anything else) must fail the waiting query, catchably, and nothing else. The
 * unpatched 3.4.9 dropped that statement's promise, so the same reset also became an unhandled rejection
 * and killed the stream worker while PostgreSQL restarted. A proxy between the client and the server
 * resets the connection at exactly that moment.
 */
import { createServer, connect as dial, type Server } from "node:net"
import postgres from "postgres"
import { afterAll, assert, beforeAll, it } from "vitest"
import { describeIntegration } from "../../../test/support/integration.ts"

/** Forwards to `target`, resetting the first connection that sends the array-type query. */
const resettingProxy = (target: URL) => {
  let resets = 0
  const server = createServer((client) => {
    const upstream = dial(Number(target.port || 5432), target.hostname)
    client.on("data", (data) => {
      if (resets === 0 && data.includes("pg_catalog.pg_type")) {
        resets += 1
        client.resetAndDestroy()
        upstream.destroy()
        return
      }
      upstream.write(data)
    })
    upstream.on("data", (data) => client.writable && client.write(data))
    client.on("error", () => undefined)
    upstream.on("error", () => undefined)
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
  })
  return { server, resets: () => resets }
}

describeIntegration("postgres.js when the connection is reset during its first statement", ["postgres"], (env) => {
  let proxy: ReturnType<typeof resettingProxy>
  let url: URL

  beforeAll(async () => {
    proxy = resettingProxy(new URL(env.databaseUrl))
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve))
    url = new URL(env.databaseUrl)
    url.port = String((proxy.server.address() as { port: number }).port)
  })
  afterAll(() => new Promise<void>((resolve) => (proxy.server as Server).close(() => resolve())))

  it("fails the waiting transaction with a catchable error, leaves no unhandled rejection, and recovers", async () => {
    const unhandled: Array<unknown> = []
    const record = (reason: unknown) => unhandled.push(reason)
    process.on("unhandledRejection", record)
    const sql = postgres(url.href, { max: 1, onnotice: () => undefined })
    try {
      const first = await sql
        .begin((tx) => tx`select 1::int as n`)
        .then(
          () => "ok",
          (error: { code?: string }) => error.code ?? "error"
        )
      assert.strictEqual(proxy.resets(), 1)
      assert.strictEqual(first, "ECONNRESET")
      // the next attempt reconnects (types fetched again) and succeeds
      const [row] = await sql.begin((tx) => tx`select 2::int as n`)
      assert.strictEqual(row?.n, 2)
      // unhandled rejections are reported after the microtask queue drains
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.deepStrictEqual(unhandled.map(String), [])
    } finally {
      process.off("unhandledRejection", record)
      await sql.end({ timeout: 1 })
    }
  })
})
