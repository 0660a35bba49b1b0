/** The geo event in the event-type registry: where a pin was posted from, kept in `geo_events`. */
import { CleanGeo } from "./CleanGeo.ts"
import { fieldChecker } from "./EventLine.ts"
import { column, type EventType } from "./EventType.ts"
import { cleanGeoLine, cleanLoggedGeoLine } from "./GeoCleaning.ts"
import { GeoEvent } from "./GeoEvent.ts"
import { readableInd } from "./ReadableInd.ts"

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
