/** The rows, results and errors of the `PinStore` port (see `../PinStore.ts`). */
import { Data } from "effect"

/** A clean pin as stored, with the Kafka coordinates of the message it came from (null when none). */
export interface PinRow {
  readonly unique_id: string
  readonly index: number
  readonly title: string | null
  readonly description: string | null
  readonly follower_count: number | null
  readonly tags: ReadonlyArray<string>
  readonly media_type: "image" | "video" | "story"
  readonly image_src: string | null
  readonly downloaded: boolean
  readonly save_location: string
  readonly category: string | null
  /** ISO 8601; null for pins that never went through the edge. */
  readonly ingested_at: string | null
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
}

export type RejectSource = "ingest" | "stream" | "batch"

export interface RejectRow {
  /** A stable code: `invalid_json`, `schema`, `empty_pin`, `unknown_media_type`, `unstorable`, … */
  readonly reason: string
  readonly detail: string
  readonly unique_id: string | null
  /** The payload as received. */
  readonly raw: string
  readonly source: RejectSource
  readonly topic: string | null
  readonly partition: number | null
  readonly offset: number | null
  /** ISO 8601. */
  readonly rejected_at: string
}

export interface WriteBatch {
  readonly pins: ReadonlyArray<PinRow>
  readonly rejects: ReadonlyArray<RejectRow>
}

export interface WriteResult {
  /** Pin rows inserted or updated (an older version than the stored one is not written). */
  readonly pins: number
  /** Reject rows inserted (a replayed reject is not inserted again). */
  readonly rejects: number
}

/**
 * The write failed and nothing of the batch was stored. `connectivity`: the database could not be reached,
 * is restarting, overloaded or did not answer within its deadline (SQLSTATE classes 08, 53, 57, 58; a closed,
 * refused or timed-out connection): retry the same batch later. Otherwise the batch itself is at fault, or
 * nobody knows: retrying it whole would fail again, so isolate the record that causes it.
 */
export class PinStoreError extends Data.TaggedError("PinStoreError")<{
  readonly connectivity: boolean
  readonly cause: unknown
}> {
  override get message(): string {
    return `pin store write failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export { isConnectivityError } from "../DatabaseFailure.ts"

/**
 * The key Postgres sees: text is sent as UTF-8, where every lone surrogate becomes U+FFFD, so two ids
 * that differ only there are one row (and one upsert may not touch a row twice).
 */
export const storedKey = (id: string): string => (id.isWellFormed() ? id : id.toWellFormed())

/**
 * One row per stored key: the version that `supersedes` the others wins (rule 9: the later `ingested_at`,
 * then the later offset; batch order breaks the remaining ties). Returns `pins` itself when no key repeats.
 */
export const dedupeLast = (pins: ReadonlyArray<PinRow>): ReadonlyArray<PinRow> => {
  const last = new Map<string, PinRow>()
  for (const pin of pins) {
    const key = storedKey(pin.unique_id)
    const seen = last.get(key)
    if (seen !== undefined && !supersedes(pin, seen)) continue
    last.delete(key)
    last.set(key, pin)
  }
  return last.size === pins.length ? pins : [...last.values()]
}

/**
 * Whether `next` may replace `stored`: the later `ingested_at` wins, then the later offset; rows without
 * `ingested_at` always replace. So replays and out-of-order writers never bring back an older version.
 */
export const supersedes = (next: PinRow, stored: PinRow): boolean => {
  if (next.ingested_at === null || stored.ingested_at === null) return true
  const a = Date.parse(next.ingested_at)
  const b = Date.parse(stored.ingested_at)
  if (Number.isNaN(a) || Number.isNaN(b)) return true
  return a !== b ? a > b : (next.offset ?? -1) >= (stored.offset ?? -1)
}
