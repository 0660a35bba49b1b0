/**
 * The geo event type, whole: where a pin was posted from (`ind` = the pin's `index`) — the posted event,
 * the record the edge logs, the clean row `geo_events` holds, the total cleaning and the registry entry.
 */
import { Result, Schema } from "effect"
import { eventCleaning } from "./EventCleaning.ts"
import { fieldChecker, stampedAt } from "./EventLine.ts"
import { column, type EventRejection, type EventType } from "./EventType.ts"
import { IsoInstant } from "./IsoInstant.ts"
import { outOfRange } from "./Ranges.ts"
import { readableInd } from "./ReadableInd.ts"
import { SafeInteger } from "./SafeInteger.ts"
import { SourceTime, sourceTimeToIso } from "./SourceTime.ts"
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

const geoColumn = column<CleanGeo>()

export const geoEvent: EventType<CleanGeo, GeoEvent, GeoEvent, "geo"> = {
  name: "geo",
  plural: "geos",
  rowField: "ind",
  topicVariable: "GEOS_TOPIC",
  posted: GeoEvent,
  clean: CleanGeo,
  check: fieldChecker(GeoEvent),
  readableKey: readableInd,
  key: (event) => String(event.ind),
  logged: (event, ingestedAt) => ({ ...event, ingested_at: ingestedAt.toISOString() }),
  // a geo event carries no personal data
  redact: (raw) => raw,
  cleanLine: cleanLoggedGeoLine,
  cleanPostedLine: cleanGeoLine,
  table: {
    name: "geo_events",
    key: "ind",
    columns: [
      geoColumn("ind", "bigint"),
      geoColumn("event_time", "timestamptz"),
      geoColumn("latitude", "double precision"),
      geoColumn("longitude", "double precision"),
      geoColumn("coordinates", "double precision[]"),
      geoColumn("country", "text"),
      geoColumn("ingested_at", "timestamptz")
    ],
    kafkaCoordinates: true
  }
}
