/**
 * Steps replayed from NDJSON files of any registered types (e.g. the pin, geo and user samples): each
 * file's type is the one whose required fields its rows carry; lines are grouped by source row number
 * (pin `index` = geo and user `ind`) in first-seen order, so one step posts the rows of one number
 * together, like the original emulator. A step holds at most one line per type: a repeat of a row
 * number and type starts a new step where it appears (the posts of one step are concurrent, so two
 * versions of one row in a step would race). A line without a readable row number is a step of its own.
 */
import { type EventType, eventTypes, parseJson } from "@pinflow/domain"
import { Schema } from "effect"
import type { Post, Step } from "./Step.ts"

export interface FileLines {
  /** Named in errors. */
  readonly name: string
  readonly lines: ReadonlyArray<string>
}

const requiredOf = (type: EventType): ReadonlyArray<string> => {
  const required = Schema.toJsonSchemaDocument(type.posted).schema.required
  return Array.isArray(required) ? required.filter((key): key is string => typeof key === "string") : []
}

const objectOf = (line: string): Record<string, unknown> | undefined => {
  const parsed = parseJson(line)
  const value = parsed._tag === "Success" ? parsed.success : undefined
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** Rows read to tell a file's type (a few broken ones do not change the verdict). */
const sampledRows = 20

/**
 * The type whose required fields a file's first JSON objects carry most of (as a share of the type's
 * fields); undefined when no row is an object or two types tie.
 */
export const detectType = (lines: ReadonlyArray<string>): EventType | undefined => {
  const rows: Array<Record<string, unknown>> = []
  for (const line of lines) {
    if (rows.length >= sampledRows) break
    const row = objectOf(line)
    if (row !== undefined) rows.push(row)
  }
  if (rows.length === 0) return undefined
  const scored = eventTypes
    .map((type) => {
      const required = requiredOf(type)
      const present = rows.reduce((n, row) => n + required.filter((key) => Object.hasOwn(row, key)).length, 0)
      return { type, score: present / (required.length * rows.length) }
    })
    .sort((a, b) => b.score - a.score)
  const [best, second] = scored
  if (best === undefined || best.score === 0 || (second !== undefined && second.score === best.score)) return undefined
  return best.type
}

/** The steps of all files, or why a file cannot be replayed. */
export const fileSteps = (
  files: ReadonlyArray<FileLines>
): { readonly steps: ReadonlyArray<Step> } | { readonly error: string } => {
  const steps: Array<Array<Post>> = []
  const byRow = new Map<number, Array<Post>>()
  for (const file of files) {
    const lines = file.lines.filter((line) => line.trim().length > 0)
    const type = detectType(lines)
    if (type === undefined)
      return {
        error: `${file.name}: cannot tell its event type (rows of ${eventTypes.map((t) => t.name).join(", ")} expected)`
      }
    for (const line of lines) {
      const row = objectOf(line)?.[type.rowField]
      if (typeof row !== "number" || !Number.isSafeInteger(row)) {
        steps.push([{ type: type.name, body: line }])
        continue
      }
      const post: Post = { type: type.name, row, body: line }
      const step = byRow.get(row)
      if (step !== undefined && !step.some((p) => p.type === type.name)) step.push(post)
      else {
        const created = [post]
        byRow.set(row, created)
        steps.push(created)
      }
    }
  }
  return { steps }
}
