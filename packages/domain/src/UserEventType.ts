/** The user event in the event-type registry: who posted a pin, kept in `users` (names joined only). */
import { CleanUser } from "./CleanUser.ts"
import { fieldChecker } from "./EventLine.ts"
import { column, type EventType } from "./EventType.ts"
import { readableInd } from "./Ranges.ts"
import { cleanLoggedUserLine, cleanUserLine } from "./UserCleaning.ts"
import { UserEvent } from "./UserEvent.ts"

const userColumn = column<CleanUser>()

export const userEvent: EventType<CleanUser, UserEvent, UserEvent> = {
  name: "user",
  plural: "users",
  rowField: "ind",
  topicVariable: "USERS_TOPIC",
  posted: UserEvent,
  clean: CleanUser,
  check: fieldChecker(UserEvent),
  readableKey: readableInd,
  key: (event) => String(event.ind),
  logged: (event, ingestedAt) => ({ ...event, ingested_at: ingestedAt.toISOString() }),
  cleanLine: cleanLoggedUserLine,
  cleanPostedLine: cleanUserLine,
  table: {
    name: "users",
    key: "ind",
    columns: [
      userColumn("ind", "bigint"),
      userColumn("user_name", "text"),
      userColumn("age", "integer"),
      userColumn("date_joined", "timestamptz"),
      userColumn("ingested_at", "timestamptz")
    ],
    kafkaCoordinates: false
  }
}
