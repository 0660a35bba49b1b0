/**
 * A whole number every stage stores exactly (|n| ≤ 2^53 - 1): pin `index`, geo and user `ind`.
 */
import { Schema } from "effect"

/** `Schema.Int` (a safe integer), saying which rule a whole number past 2^53 - 1 breaks. */
export const SafeInteger = Schema.Number.check(
  Schema.makeFilter<number>(
    (n) =>
      Number.isSafeInteger(n) ||
      (Number.isInteger(n) ? "Expected a safe integer (at most 2^53 - 1 either side of 0)" : "Expected an integer"),
    {
      expected: "an integer",
      // the same rule as Schema.isInt, so tools (JSON Schema: no NaN/Infinity branch) treat it as one
      representation: { id: "effect/schema/isInt", payload: null },
      toJsonSchema: () => ({ type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
      arbitraryConstraint: { number: "integer" }
    }
  )
)
