/** The geo cleaning rules as pure total functions: any input yields a clean geo event or a typed rejection. */
import { Result } from "effect"
import { type CleanGeo, latitudeRange, longitudeRange } from "./CleanGeo.ts"
import { eventCleaning } from "./EventCleaning.ts"
import { stampedAt } from "./EventLine.ts"
import type { EventRejection } from "./EventType.ts"
import { GeoEvent, LoggedGeoEvent } from "./GeoEvent.ts"
import { outOfRange } from "./Ranges.ts"
import { readableInd } from "./ReadableInd.ts"
import { sourceTimeToIso } from "./SourceTime.ts"

export type GeoOutcome = Result.Result<CleanGeo, EventRejection>

/** The content rules, on an event whose structure is valid: ranges, the ISO time, `coordinates`, country. */
export const cleanGeoEvent = (event: GeoEvent | LoggedGeoEvent): GeoOutcome => {
  const key = String(event.ind)
  const ranges = outOfRange([
    { field: "latitude", value: event.latitude, ...latitudeRange },
    { field: "longitude", value: event.longitude, ...longitudeRange }
  ])
  if (ranges !== undefined) return Result.fail({ reason: "out_of_range", detail: ranges, key })
  const event_time = sourceTimeToIso(event.timestamp)
  // unreachable after the schema, which checks the same rule; kept so the function is total on its own
  if (event_time === undefined)
    return Result.fail({ reason: "schema", detail: "timestamp: not a UTC time YYYY-MM-DD HH:MM:SS", key })
  const country = event.country.trim()
  const geo: CleanGeo = {
    ind: event.ind,
    event_time,
    latitude: event.latitude,
    longitude: event.longitude,
    coordinates: [event.latitude, event.longitude],
    country: country.length === 0 ? null : country
  }
  return Result.succeed("ingested_at" in event ? { ...geo, ingested_at: stampedAt(event.ingested_at) } : geo)
}

const geoCleaning = eventCleaning({
  posted: GeoEvent,
  logged: LoggedGeoEvent,
  readableKey: readableInd,
  contentOfPosted: cleanGeoEvent,
  contentOfLogged: cleanGeoEvent
})

/** Cleans any value as posted by a client (structure, then content). */
export const cleanGeo = geoCleaning.cleanPosted
/** Cleans any value read back from the geo topic or the archive (stamped with `ingested_at`). */
export const cleanLoggedGeo = geoCleaning.cleanLogged
/** One line of NDJSON as posted. */
export const cleanGeoLine = geoCleaning.cleanPostedLine
/** One Kafka message value or archived line. */
export const cleanLoggedGeoLine = geoCleaning.cleanLoggedLine
