/** The `ind` key of geo and user events (the source row's number, as pin `index`). */

/** The key of any value that carries a valid `ind` (a safe integer), as text; rejects are traced by it. */
export const readableInd = (input: unknown): string | undefined => {
  if (typeof input !== "object" || input === null || !("ind" in input)) return undefined
  return Number.isSafeInteger(input.ind) ? String(input.ind) : undefined
}
