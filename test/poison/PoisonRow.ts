/**
 * One row of the poison corpus against a running pipeline: post the poison, then five good events, and
 * watch (polling with a deadline, never sleeping to order things) until the good events and every poison
 * event the edge accepted are rows, or a process died, or the deadline passed.
 */
import type { Program } from "../support/spawnProgram.ts"
import { type Expected, elementMarker, goodEvent, type HttpPoison } from "./PoisonCorpus.ts"

export interface Answer {
  readonly status: number
  readonly bytes: number
  /** The start of the answer's body, for the failure message. */
  readonly body: string
}

/** A pipeline the rows are posted to. */
export interface Target {
  /** The edge, e.g. http://127.0.0.1:8000. */
  readonly url: string
  /** Each of its processes that exited, with the end of its output. */
  readonly dead: () => ReadonlyArray<string>
  /** Starts watching a row; the checker lists what of it has not landed yet (empty: all landed). */
  readonly watch: () => Promise<
    (good: ReadonlyArray<string>, stored: ReadonlyArray<string>) => Promise<ReadonlyArray<string>>
  >
}

export interface Observation {
  readonly answers: ReadonlyArray<Answer>
  readonly goodAnswers: ReadonlyArray<Answer>
  readonly dead: ReadonlyArray<string>
  /** What had not landed at the deadline (or when a process died). */
  readonly missing: ReadonlyArray<string>
  /** Milliseconds from the poison's post until everything landed (or the watch ended). */
  readonly tookMs: number
}

const bodyStart = 300

const post = async (url: string, contentType: string, body: string | Uint8Array): Promise<Answer> => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body })
  const text = await response.text()
  return { status: response.status, bytes: Buffer.byteLength(text), body: text.slice(0, bodyStart) }
}

/** Whether a status is what the row expects. */
export const meets = (expected: Expected, status: number): boolean =>
  expected === "not5xx"
    ? status >= 200 && status < 500 && !(status >= 300 && status < 400)
    : expected === "4xx"
      ? status >= 400 && status < 500
      : status === expected

export const describeExpected = (expected: Expected): string =>
  expected === "not5xx" ? "a 2xx or 4xx" : expected === "4xx" ? "a 4xx" : String(expected)

/** The poison's requests (one, or several at once): each answer with the element markers it carried. */
export const postPoison = async (
  url: string,
  row: HttpPoison,
  marker: string
): Promise<ReadonlyArray<{ readonly answer: Answer; readonly elements: ReadonlyArray<string> }>> => {
  const bodies = [row.body, ...(row.concurrent ?? [])]
  const answers = await Promise.all(bodies.map((body) => post(`${url}${row.path}`, row.contentType, body(marker))))
  const all = Array.from({ length: row.elements }, (_, i) => elementMarker(marker, i))
  // with several requests, request j carries element j
  return answers.map((answer, j) => ({ answer, elements: bodies.length === 1 ? all : all.slice(j, j + 1) }))
}

export const goodIds = (marker: string): ReadonlyArray<string> =>
  Array.from({ length: 5 }, (_, i) => `${marker}-good-${i}`)

export const postGood = (url: string, ids: ReadonlyArray<string>): Promise<ReadonlyArray<Answer>> =>
  Promise.all(ids.map((id) => post(`${url}/pin/`, "application/json", JSON.stringify(goodEvent(id)))))

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Watches until the good ids and the stored markers landed, a process died, or `deadlineMs` passed since
 * `started`; returns what was still missing.
 */
export const watchLanding = async (
  target: Target,
  check: (good: ReadonlyArray<string>, stored: ReadonlyArray<string>) => Promise<ReadonlyArray<string>>,
  good: ReadonlyArray<string>,
  stored: ReadonlyArray<string>,
  deadlineMs: number
): Promise<{ readonly missing: ReadonlyArray<string>; readonly dead: ReadonlyArray<string> }> => {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const missing = await check(good, stored)
    const dead = target.dead()
    if (missing.length === 0 || dead.length > 0 || Date.now() > deadline) return { missing, dead }
    await sleep(200)
  }
}

/** Posts a row's poison and five good events, and watches them land. */
export const observeHttpRow = async (
  target: Target,
  row: HttpPoison,
  marker: string,
  deadlineMs: number
): Promise<Observation> => {
  const check = await target.watch()
  const started = Date.now()
  const posted = await postPoison(target.url, row, marker)
  const good = goodIds(marker)
  const goodAnswers = await postGood(target.url, good)
  // only what the edge accepted (2xx) must become rows
  const stored = posted.flatMap((p) => (p.answer.status >= 200 && p.answer.status < 300 ? p.elements : []))
  const { missing, dead } = await watchLanding(target, check, good, stored, deadlineMs)
  return { answers: posted.map((p) => p.answer), goodAnswers, dead, missing, tookMs: Date.now() - started }
}

/** The processes of `programs` that exited, each with the end of its output. */
export const deadPrograms = (programs: ReadonlyArray<{ readonly name: string; readonly program: Program }>) =>
  programs.flatMap(({ name, program }) =>
    program.child.exitCode === null && program.child.signalCode === null
      ? []
      : [
          `${name} exited (code ${program.child.exitCode}, signal ${program.child.signalCode}):\n${program
            .output()
            .slice(-2500)}`
        ]
  )
