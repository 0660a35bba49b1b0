/** The user event in the event-type registry: who posted a pin, kept in `users` (names joined only). */
import { CleanUser } from "./CleanUser.ts"
import { fieldChecker } from "./EventLine.ts"
import { column, type EventType } from "./EventType.ts"
import { readableInd } from "./ReadableInd.ts"
import { withoutKeys } from "./RejectedEvent.ts"
import { cleanLoggedUserLine, cleanUserLine, joinedUser } from "./UserCleaning.ts"
import { UserEvent } from "./UserEvent.ts"

const userColumn = column<CleanUser>()

/** The names a user event may carry: never in a reject's raw payload (personal data). */
const nameFields = new Set(["first_name", "last_name", "user_name"])

/** `check` answers the posted event; `logged` joins the names and drops them (design: never stored apart). */
export const userEvent: EventType<CleanUser, UserEvent, UserEvent, "user"> = {
  name: "user",
  plural: "users",
  rowField: "ind",
  topicVariable: "USERS_TOPIC",
  posted: UserEvent,
  clean: CleanUser,
  check: fieldChecker(UserEvent),
  readableKey: readableInd,
  key: (event) => String(event.ind),
  logged: (event, ingestedAt) => ({ ...joinedUser(event), ingested_at: ingestedAt.toISOString() }),
  redact: (raw) => withoutKeys(raw, nameFields),
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
    kafkaCoordinates: true
  }
}
