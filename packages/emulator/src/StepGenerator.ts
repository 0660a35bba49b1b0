/**
 * Generated steps, like the original emulator: each picks one random row number of the emulated source
 * tables and posts that row's pin, geo and user events, so pin `index` = geo `ind` = user `ind`. A row is
 * made on first use and kept, so repeats carry the same content (and the same `unique_id`).
 */
import type { EventTypeName } from "@pinflow/domain"
import { geoRows } from "./GeoRows.ts"
import { mulberry32 } from "./Mulberry32.ts"
import { type GeneratorOptions, pinRows } from "./PinGenerator.ts"
import type { Step } from "./Step.ts"
import { userRows } from "./UserRows.ts"

export interface StepGeneratorOptions extends GeneratorOptions {
  /** The types each step posts, in this order. Default pin, geo, user. */
  readonly types?: ReadonlyArray<EventTypeName>
}

type Row = Record<string, unknown>

interface RowMaker {
  readonly makeRow: (rowNumber: number) => Row
  readonly breakRow: (row: Row) => Row
}

export const makeStepGenerator = (options: StepGeneratorOptions = {}): (() => Step) => {
  const tableSize = options.tableSize ?? 11_000
  const invalidRate = options.invalidRate ?? 0
  const next = mulberry32(options.seed ?? Date.now())
  // a registered type without a maker here is not generated (replay its files instead)
  const makers: Partial<Record<EventTypeName, RowMaker>> = {
    pin: pinRows(next),
    geo: geoRows(next),
    user: userRows(next)
  }
  const generated = Object.keys(makers) as ReadonlyArray<EventTypeName>
  const types = (options.types ?? generated).flatMap((type) => {
    const maker = makers[type]
    return maker === undefined ? [] : [{ type, maker }]
  })
  const table = new Map<number, ReadonlyArray<Row>>()
  return () => {
    const slot = Math.floor(next() * tableSize)
    let rows = table.get(slot)
    if (rows === undefined) {
      // every type's row is made, whichever are posted, so a row's content does not depend on --types
      const made = new Map(generated.map((type) => [type, makers[type]?.makeRow(slot) ?? {}]))
      rows = types.map(({ type }) => made.get(type) ?? {})
      table.set(slot, rows)
    }
    const made = rows
    return types.map(({ type, maker }, i) => {
      const row = made[i] ?? {}
      return { type, body: JSON.stringify(invalidRate > 0 && next() < invalidRate ? maker.breakRow(row) : row) }
    })
  }
}
