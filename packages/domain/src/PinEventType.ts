/** The pin in the event-type registry: the seed's event, its cleaning rules and the `pins` table. */
import { Result } from "effect"
import { cleanLoggedPinLine, cleanPinLine, readableId } from "./Cleaning.ts"
import { CleanPin } from "./CleanPin.ts"
import { fieldChecker } from "./EventLine.ts"
import { column, type EventRejection, type EventType } from "./EventType.ts"
import { PinEvent, toLoggedPinEvent } from "./PinEvent.ts"
import { decodePlainPinEvent } from "./PinEventCheck.ts"
import { withoutPosterName } from "./RejectedEvent.ts"
import type { Rejection } from "./RejectReason.ts"

const checkBySchema = fieldChecker(PinEvent)

const asEventRejection = (rejection: Rejection): EventRejection =>
  rejection.unique_id === undefined
    ? { reason: rejection.reason, detail: rejection.detail }
    : { reason: rejection.reason, detail: rejection.detail, key: rejection.unique_id }

const pinColumn = column<CleanPin>()

/** `check` answers the posted event (poster_name included); `logged` drops it. */
export const pinEvent: EventType<CleanPin, PinEvent, PinEvent, "pin"> = {
  name: "pin",
  plural: "pins",
  rowField: "index",
  topicVariable: "PINS_TOPIC",
  posted: PinEvent,
  clean: CleanPin,
  // the fast path decides plain valid objects; the schema decides the rest and names every bad field
  check: (value) => {
    const fast = decodePlainPinEvent(value)
    return fast === undefined ? checkBySchema(value) : Result.succeed(fast)
  },
  readableKey: readableId,
  key: (event) => event.unique_id.trim(),
  logged: toLoggedPinEvent,
  redact: withoutPosterName,
  cleanLine: (line) => Result.mapError(cleanLoggedPinLine(line), asEventRejection),
  cleanPostedLine: (line) => Result.mapError(cleanPinLine(line), asEventRejection),
  table: {
    name: "pins",
    key: "unique_id",
    columns: [
      pinColumn("unique_id", "text"),
      pinColumn("index", "bigint", "pin_index"),
      pinColumn("title", "text"),
      pinColumn("description", "text"),
      pinColumn("follower_count", "bigint"),
      pinColumn("tags", "text[]"),
      pinColumn("media_type", "text"),
      pinColumn("image_src", "text"),
      pinColumn("downloaded", "boolean"),
      pinColumn("save_location", "text"),
      pinColumn("category", "text"),
      pinColumn("ingested_at", "timestamptz")
    ],
    kafkaCoordinates: true
  }
}
