/** The range rules of geo and user numbers (reject `out_of_range`). */

/** A field, its value and the closed range it must lie in (as a whole number when `integer`). */
export interface RangeRule {
  readonly field: string
  readonly value: number
  readonly min: number
  readonly max: number
  readonly integer?: boolean
}

const holds = (rule: RangeRule): boolean =>
  rule.value >= rule.min && rule.value <= rule.max && (rule.integer !== true || Number.isInteger(rule.value))

const expected = (rule: RangeRule): string =>
  `${rule.field}: expected ${rule.integer === true ? "an integer" : "a number"} from ${rule.min} to ${rule.max}, got ${rule.value}`

/** Every field outside its range, named with what it held ("latitude: expected …, got 91"); undefined if none. */
export const outOfRange = (rules: ReadonlyArray<RangeRule>): string | undefined => {
  const broken = rules.filter((rule) => !holds(rule)).map(expected)
  return broken.length === 0 ? undefined : broken.join("; ")
}
