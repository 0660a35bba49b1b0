/**
 * Whether a database failure is an outage (retry: the record is not at fault) or a refusal of the rows a
 * statement carried (isolate the record). One rule for every store, so the stream and the batch agree.
 */

/**
 * SQLSTATE classes no single row can cause, so isolating would turn every row into a reject: an unavailable
 * server (08 connection exception, 53 resources, 57 operator intervention, 58 system) and a server that
 * refuses every statement for now (25 a read-only transaction after a failover, 28 authorization,
 * 3D/3F a missing database or schema, 40 deadlock or serialization, 42 a missing table or grant,
 * 55 a lock not available). All are retried with backoff; a stalled worker says so on `/healthz`.
 */
const connectivityClasses = new Set(["08", "53", "57", "58", "25", "28", "3D", "3F", "40", "42", "55"])

/** postgres.js' and Node's codes for a connection that closed, was refused or timed out. */
const connectivityCodes = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "STATEMENT_DEADLINE",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN"
])

const codeOf = (cause: unknown): unknown => (cause as { code?: unknown } | null)?.code

/** The five-character SQLSTATE the server answered with, when it did. */
export const sqlState = (cause: unknown): string | undefined => {
  const code = codeOf(cause)
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** Whether `cause` says the database is unavailable (retry) rather than refusing what it was sent. */
export const isConnectivityError = (cause: unknown): boolean => {
  const code = codeOf(cause)
  if (typeof code !== "string") return false
  if (connectivityCodes.has(code)) return true
  const state = sqlState(cause)
  return state !== undefined && connectivityClasses.has(state.slice(0, 2))
}
