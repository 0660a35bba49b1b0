/**
 * `PinStore` on the `postgres` client. One transaction per batch: the pins upserted on `unique_id`
 * (guarded so an older version never replaces a newer one) and the rejects inserted once per message.
 * Two pin write paths, measured by `npm run bench -- stream`:
 * - `unnest`: one `INSERT … SELECT FROM unnest($1::text[], …)`: 15 array parameters whatever the batch
 *   size (no 65,535-parameter limit); the only path PGlite over pglite-socket supports;
 * - `copy`: `COPY` into a temporary table, then `INSERT … SELECT … ON CONFLICT`.
 */
import { Duration, Effect } from "effect"
import type postgres from "postgres"
import { booleanArray, nestedTextArray, numberArray, textArray, textArrayLiteral } from "./ArrayLiteral.ts"
import {
  dedupeLast,
  isConnectivityError,
  type PinRow,
  PinStoreError,
  type RejectRow,
  type WriteBatch,
  type WriteResult
} from "./Types.ts"

export type WriteMethod = "unnest" | "copy"

const columns = `unique_id, pin_index, title, description, follower_count, tags, media_type, image_src,
  downloaded, save_location, category, ingested_at, topic, partition, "offset"`

const upsertTail = `order by unique_id
on conflict (unique_id) do update set
  pin_index = excluded.pin_index, title = excluded.title, description = excluded.description,
  follower_count = excluded.follower_count, tags = excluded.tags, media_type = excluded.media_type,
  image_src = excluded.image_src, downloaded = excluded.downloaded, save_location = excluded.save_location,
  category = excluded.category, ingested_at = excluded.ingested_at, processed_at = now(),
  topic = excluded.topic, partition = excluded.partition, "offset" = excluded."offset"
where pins.ingested_at is null or excluded.ingested_at is null
  or (excluded.ingested_at, coalesce(excluded."offset", -1)) >= (pins.ingested_at, coalesce(pins."offset", -1))`

/** 15 array literals built here (see ArrayLiteral.ts), unnested into rows and upserted in one statement. */
const upsertUnnest = (tx: postgres.TransactionSql, pins: ReadonlyArray<PinRow>) =>
  tx`insert into pins (${tx.unsafe(columns)})
    select unique_id, pin_index, title, description, follower_count, tags::text[], media_type, image_src,
      downloaded, save_location, category, ingested_at, topic, partition, "offset"
    from unnest(
      ${textArray(pins, (p) => p.unique_id)}::text[], ${numberArray(pins, (p) => p.index)}::bigint[],
      ${textArray(pins, (p) => p.title)}::text[], ${textArray(pins, (p) => p.description)}::text[],
      ${numberArray(pins, (p) => p.follower_count)}::bigint[],
      ${nestedTextArray(pins, (p) => p.tags)}::text[],
      ${textArray(pins, (p) => p.media_type)}::text[], ${textArray(pins, (p) => p.image_src)}::text[],
      ${booleanArray(pins, (p) => p.downloaded)}::boolean[],
      ${textArray(pins, (p) => p.save_location)}::text[], ${textArray(pins, (p) => p.category)}::text[],
      ${textArray(pins, (p) => p.ingested_at)}::timestamptz[], ${textArray(pins, (p) => p.topic)}::text[],
      ${numberArray(pins, (p) => p.partition)}::integer[], ${numberArray(pins, (p) => p.offset)}::bigint[]
    ) as t(unique_id, pin_index, title, description, follower_count, tags, media_type, image_src,
      downloaded, save_location, category, ingested_at, topic, partition, "offset")
    ${tx.unsafe(upsertTail)}`

/** One field in COPY text format: `\N` for NULL, backslash escapes for the separators. */
const copyField = (value: string | number | boolean | null): string =>
  value === null
    ? "\\N"
    : typeof value === "string"
      ? value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
      : String(value)

const copyLine = (p: PinRow): string =>
  [
    p.unique_id,
    p.index,
    p.title,
    p.description,
    p.follower_count,
    textArrayLiteral(p.tags),
    p.media_type,
    p.image_src,
    p.downloaded,
    p.save_location,
    p.category,
    p.ingested_at,
    p.topic,
    p.partition,
    p.offset
  ]
    .map(copyField)
    .join("\t")

const upsertCopy = async (tx: postgres.TransactionSql, pins: ReadonlyArray<PinRow>) => {
  await tx`create temp table if not exists pins_staging (like pins including defaults) on commit delete rows`
  const stream = await tx.unsafe(`copy pins_staging (${columns}) from stdin`).writable()
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject)
    stream.on("finish", resolve)
    const chunk = 500
    for (let i = 0; i < pins.length; i += chunk)
      stream.write(
        `${pins
          .slice(i, i + chunk)
          .map(copyLine)
          .join("\n")}\n`
      )
    stream.end()
  })
  return tx`insert into pins (${tx.unsafe(columns)}) select ${tx.unsafe(columns)} from pins_staging ${tx.unsafe(upsertTail)}`
}

const insertRejects = (tx: postgres.TransactionSql, rejects: ReadonlyArray<RejectRow>) =>
  tx`insert into pin_rejects (reason, detail, unique_id, raw, source, topic, partition, "offset", rejected_at)
    select * from unnest(
      ${tx.array(rejects.map((r) => r.reason))}::text[], ${tx.array(rejects.map((r) => r.detail))}::text[],
      ${tx.array(rejects.map((r) => r.unique_id))}::text[], ${tx.array(rejects.map((r) => r.raw))}::text[],
      ${tx.array(rejects.map((r) => r.source))}::text[], ${tx.array(rejects.map((r) => r.topic))}::text[],
      ${tx.array(rejects.map((r) => r.partition))}::integer[], ${tx.array(rejects.map((r) => r.offset))}::bigint[],
      ${tx.array(rejects.map((r) => r.rejected_at))}::timestamptz[])
    on conflict (source, topic, partition, "offset") do nothing`

/** Postgres text cannot hold NUL: rejects keep the payload readable with the character escaped. */
const storableText = (text: string): string => (text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text)

/** A statement that did not answer within the client's deadline: the server is unreachable or stuck. */
const deadlineError = (after: Duration.Duration) =>
  Object.assign(new Error(`no answer from the database within ${Duration.format(after)}`), {
    code: "STATEMENT_DEADLINE"
  })

/**
 * Settles with `promise`, or fails after `after` (the connection is left to postgres.js, which closes it):
 * the server's `statement_timeout` cannot fire when the network to it is gone.
 */
const withDeadline = <A>(promise: Promise<A>, after: Duration.Duration): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineError(after)), Duration.toMillis(after))
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/**
 * `deadline`: how long one batch's transaction may take before the write fails as a connectivity error
 * (default: none; `PinStore.layer` passes the database's statement timeout plus a margin).
 */
export const makePostgresWriter =
  (sql: postgres.Sql, method: WriteMethod, deadline?: Duration.Duration) =>
  (batch: WriteBatch): Effect.Effect<WriteResult, PinStoreError> => {
    const pins = dedupeLast(batch.pins)
    const rejects = batch.rejects.map((r) => ({
      ...r,
      raw: storableText(r.raw),
      detail: storableText(r.detail),
      ...(typeof r.unique_id === "string" ? { unique_id: storableText(r.unique_id) } : {})
    }))
    if (pins.length === 0 && rejects.length === 0) return Effect.succeed({ pins: 0, rejects: 0 })
    const transaction = () =>
      sql.begin(async (tx) => {
        const written =
          pins.length === 0 ? 0 : (await (method === "copy" ? upsertCopy(tx, pins) : upsertUnnest(tx, pins))).count
        const inserted = rejects.length === 0 ? 0 : (await insertRejects(tx, rejects)).count
        return { pins: written, rejects: inserted }
      })
    return Effect.tryPromise({
      try: () => (deadline === undefined ? transaction() : withDeadline(transaction(), deadline)),
      catch: (cause) => new PinStoreError({ connectivity: isConnectivityError(cause), cause })
    })
  }
