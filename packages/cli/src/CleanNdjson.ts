/**
 * Offline cleaning of raw NDJSON of one event type: each chunk of lines becomes a block of clean-row lines
 * and a block of reject lines, so output is written a chunk at a time and memory stays flat whatever the
 * input size.
 */
import { type EventRejection, type EventType, parseJson, type RejectReason } from "@pinflow/domain"
import { Result } from "effect"

/** Clean rows and rejects of one chunk of input lines, as NDJSON text. */
export interface CleanedChunk {
  readonly clean: string
  readonly rejects: string
  readonly cleanCount: number
  readonly rejectCounts: Partial<Record<RejectReason, number>>
}

/**
 * The key as the reject line names it: under the table's key column (`unique_id` for pins, `ind` for geo
 * and user), a number when that column is an integer.
 */
const keyField = (type: EventType, key: string | undefined): Record<string, string | number> => {
  if (key === undefined) return {}
  const integer = type.table.columns.some((c) => c.name === type.table.key && c.sqlType === "bigint")
  return { [type.table.key]: integer ? Number(key) : key }
}

/**
 * What a reject line carries: the design's `{reason, detail, unique_id?, raw}` (`ind?` for geo and user).
 * `raw` is the line as read, less the type's personal data (pin `poster_name`, user names) when the line
 * is JSON (personal data is never written out).
 */
const rejectLine = (type: EventType, line: string, rejection: EventRejection): string => {
  const parsed = parseJson(line)
  const redacted = Result.isSuccess(parsed) ? type.redact(parsed.success) : undefined
  const raw = Result.isSuccess(parsed) && redacted !== parsed.success ? JSON.stringify(redacted) : line
  return JSON.stringify({ reason: rejection.reason, detail: rejection.detail, ...keyField(type, rejection.key), raw })
}

/** Cleans the lines of one chunk as events of `type`; blank lines are separators, not events. */
export const cleanChunk = (type: EventType, lines: ReadonlyArray<string>): CleanedChunk => {
  let clean = ""
  let rejects = ""
  let cleanCount = 0
  const rejectCounts: Partial<Record<RejectReason, number>> = {}
  for (const line of lines) {
    if (line.trim().length === 0) continue
    const outcome = type.cleanPostedLine(line)
    if (Result.isSuccess(outcome)) {
      clean += `${JSON.stringify(outcome.success)}\n`
      cleanCount += 1
    } else {
      rejects += `${rejectLine(type, line, outcome.failure)}\n`
      rejectCounts[outcome.failure.reason] = (rejectCounts[outcome.failure.reason] ?? 0) + 1
    }
  }
  return { clean, rejects, cleanCount, rejectCounts }
}

/** Running totals for the summary line. */
export interface CleanSummary {
  readonly clean: number
  readonly rejected: Partial<Record<RejectReason, number>>
}

export const emptySummary: CleanSummary = { clean: 0, rejected: {} }

export const addChunk = (summary: CleanSummary, chunk: CleanedChunk): CleanSummary => {
  const rejected = { ...summary.rejected }
  for (const [reason, count] of Object.entries(chunk.rejectCounts) as Array<[RejectReason, number]>) {
    rejected[reason] = (rejected[reason] ?? 0) + count
  }
  return { clean: summary.clean + chunk.cleanCount, rejected }
}

/** "pinflow clean: 2384 events, 2362 clean, 22 rejected (empty_pin 22)" */
export const formatSummary = (summary: CleanSummary): string => {
  const reasons = Object.entries(summary.rejected).sort(([a], [b]) => (a < b ? -1 : 1))
  const rejected = reasons.reduce((total, [, count]) => total + count, 0)
  const detail = reasons.length > 0 ? ` (${reasons.map(([reason, count]) => `${reason} ${count}`).join(", ")})` : ""
  return `pinflow clean: ${summary.clean + rejected} events, ${summary.clean} clean, ${rejected} rejected${detail}`
}
