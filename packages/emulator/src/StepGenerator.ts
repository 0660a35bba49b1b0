/**
 * Generated steps, like the original emulator: each picks one random row number of the emulated source
 * tables and posts that row's pin, geo and user events, so pin `index` = geo `ind` = user `ind`. A row is
 * made on first use and kept, so repeats carry the same content (and the same `unique_id`).
 */
import type { EventTypeName } from "@pinflow/domain"
import { geoRows } from "./GeoRows.ts"
import { mulberry32 } from "./Mulberry32.ts"
import { type GeneratorOptions, type PinRow, pinRows } from "./PinGenerator.ts"
import type { Step } from "./Step.ts"
import { userRows } from "./UserRows.ts"

export interface StepGeneratorOptions extends GeneratorOptions {
  /** The types each step posts, in this order. Default pin, geo, user. */
  readonly types?: ReadonlyArray<EventTypeName>
}

type Rows = Record<EventTypeName, PinRow>

export const makeStepGenerator = (options: StepGeneratorOptions = {}): (() => Step) => {
  const tableSize = options.tableSize ?? 11_000
  const invalidRate = options.invalidRate ?? 0
  const types = options.types ?? ["pin", "geo", "user"]
  const next = mulberry32(options.seed ?? Date.now())
  const makers = { pin: pinRows(next), geo: geoRows(next), user: userRows(next) }
  const table = new Map<number, Rows>()
  return () => {
    const slot = Math.floor(next() * tableSize)
    let rows = table.get(slot)
    if (rows === undefined) {
      rows = { pin: makers.pin.makeRow(slot), geo: makers.geo.makeRow(slot), user: makers.user.makeRow(slot) }
      table.set(slot, rows)
    }
    const made = rows
    return types.map((type) => {
      const row = invalidRate > 0 && next() < invalidRate ? makers[type].breakRow(made[type]) : made[type]
      return { type, body: JSON.stringify(row) }
    })
  }
}
