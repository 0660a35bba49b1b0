/**
 * Process warnings pinflow knows to be noise from its libraries (kafkajs on Node 24, the GCS client's
 * listeners), dropped in one place: one wrapper of `process.emitWarning`, installed on first use, asks
 * every registered filter; anything no filter matches is emitted as usual.
 */

/** True when the warning is known noise. `type` is the warning's type when given apart from it. */
export type WarningFilter = (warning: string | Error, type: string | undefined) => boolean

const filters = new Map<string, WarningFilter>()
let installed = false

/** Drops the process warnings `filter` matches; registering the same `name` again changes nothing. */
export const ignoreProcessWarnings = (name: string, filter: WarningFilter): void => {
  if (filters.has(name)) return
  filters.set(name, filter)
  if (installed) return
  installed = true
  const emit = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: Array<unknown>) {
    const first = rest[0]
    const type = typeof first === "string" ? first : (first as { type?: unknown } | undefined)?.type
    for (const matches of filters.values()) if (matches(warning, typeof type === "string" ? type : undefined)) return
    return Reflect.apply(emit, this, [warning, ...rest])
  } as typeof process.emitWarning
}
