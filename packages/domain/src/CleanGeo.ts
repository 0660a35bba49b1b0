/** The clean geo event: what `clean --type geo` prints and what the `geo_events` table holds. */
import { Schema } from "effect"
import { maxCountryCodePoints } from "./GeoEvent.ts"
import { IsoInstant } from "./IsoInstant.ts"

/** The closed ranges of a clean geo event's numbers (outside them: reject `out_of_range`). */
export const latitudeRange = { min: -90, max: 90 } as const
export const longitudeRange = { min: -180, max: 180 } as const

const Latitude = Schema.Finite.check(Schema.isBetween({ minimum: latitudeRange.min, maximum: latitudeRange.max }))
const Longitude = Schema.Finite.check(Schema.isBetween({ minimum: longitudeRange.min, maximum: longitudeRange.max }))

export const CleanGeo = Schema.Struct({
  ind: Schema.Int,
  /** The posted `timestamp` as an ISO instant (UTC). */
  event_time: IsoInstant,
  latitude: Latitude,
  longitude: Longitude,
  /** `[latitude, longitude]`, as the original course's cleaning built it. */
  coordinates: Schema.Tuple([Latitude, Longitude]),
  /** Trimmed; null when empty. */
  country: Schema.NullOr(Schema.String.check(Schema.isMaxCodePoints(maxCountryCodePoints))),
  /** When the edge received the event; absent for events cleaned offline from raw files. */
  ingested_at: Schema.optionalKey(IsoInstant)
})
export type CleanGeo = typeof CleanGeo.Type
