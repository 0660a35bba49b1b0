/**
 * Offline cleaning of raw NDJSON: each chunk of lines becomes a block of clean-pin lines and a block of
 * reject lines, so output is written a chunk at a time and memory stays flat whatever the input size.
 */
import { cleanPinLine, parseJson, type RejectReason, withoutPosterName } from "@pinflow/domain"
import { Result } from "effect"

/** Clean pins and rejects of one chunk of input lines, as NDJSON text. */
export interface CleanedChunk {
  readonly clean: string
  readonly rejects: string
  readonly cleanCount: number
  readonly rejectCounts: Partial<Record<RejectReason, number>>
}

/**
 * What a reject line carries: the design's `{reason, detail, unique_id?, raw}`. `raw` is the line as read,
 * less `poster_name` when the line is a JSON object (personal data is never written out).
 */
const rejectLine = (line: string, rejection: { reason: string; detail: string; unique_id?: string }): string => {
  const parsed = parseJson(line)
  const raw =
    Result.isSuccess(parsed) &&
    typeof parsed.success === "object" &&
    parsed.success !== null &&
    "poster_name" in parsed.success
      ? JSON.stringify(withoutPosterName(parsed.success))
      : line
  return JSON.stringify({ ...rejection, raw })
}

/** Cleans the lines of one chunk; blank lines are separators, not events. */
export const cleanChunk = (lines: ReadonlyArray<string>): CleanedChunk => {
  let clean = ""
  let rejects = ""
  let cleanCount = 0
  const rejectCounts: Partial<Record<RejectReason, number>> = {}
  for (const line of lines) {
    if (line.trim().length === 0) continue
    const outcome = cleanPinLine(line)
    if (Result.isSuccess(outcome)) {
      clean += `${JSON.stringify(outcome.success)}\n`
      cleanCount += 1
    } else {
      rejects += `${rejectLine(line, outcome.failure)}\n`
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
