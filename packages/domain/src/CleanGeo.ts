/** The clean geo event: what `clean --type geo` prints and what the `geo_events` table holds. */
import { Schema } from "effect"

const Latitude = Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 }))
const Longitude = Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 }))

export const CleanGeo = Schema.Struct({
  ind: Schema.Int,
  /** The posted `timestamp` as an ISO instant (UTC). */
  event_time: Schema.String,
  latitude: Latitude,
  longitude: Longitude,
  /** `[latitude, longitude]`, as the original course's cleaning built it. */
  coordinates: Schema.Tuple([Latitude, Longitude]),
  /** Trimmed; null when empty. */
  country: Schema.NullOr(Schema.String),
  /** When the edge received the event; absent for events cleaned offline from raw files. */
  ingested_at: Schema.optionalKey(Schema.String)
})
export type CleanGeo = typeof CleanGeo.Type
