/**
 * The geo event as posted (where a pin was posted from; `ind` = the pin's `index`), and the record the
 * edge appends to the geo topic: the same event stamped with `ingested_at`.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { SafeInteger } from "./SafeInteger.ts"
import { SourceTime } from "./SourceTime.ts"
import { StorableTrimmedText } from "./StorableText.ts"

/** Country names are grouped on and keyed by in the insight tables, so bounded like a category (once trimmed). */
export const maxCountryCodePoints = 256

/** The structure the edge checks; ranges are content rules, applied downstream (`out_of_range`). */
const geoFields = {
  ind: SafeInteger,
  timestamp: SourceTime,
  latitude: Schema.Finite,
  longitude: Schema.Finite,
  country: StorableTrimmedText(maxCountryCodePoints)
}

/** What a client posts. Unknown extra keys are ignored (and not logged). */
export const GeoEvent = Schema.Struct(geoFields)
export type GeoEvent = typeof GeoEvent.Type

/** What the edge appends to the geo topic. */
export const LoggedGeoEvent = Schema.Struct({ ...geoFields, ingested_at: IsoInstant })
export type LoggedGeoEvent = typeof LoggedGeoEvent.Type
