/**
 * The user event type, whole: who posted a pin (`ind` = the pin's `index`) — the posted event, the record
 * the edge logs (names joined into `user_name`, never kept apart), the clean row `users` holds, the total
 * cleaning and the registry entry.
 */
import { Result, Schema } from "effect"
import { eventCleaning } from "./EventCleaning.ts"
import { fieldChecker, stampedAt } from "./EventLine.ts"
import { column, type EventRejection, type EventType } from "./EventType.ts"
import { IsoInstant } from "./IsoInstant.ts"
import { outOfRange } from "./Ranges.ts"
import { readableInd } from "./ReadableInd.ts"
import { withoutKeys } from "./RejectedEvent.ts"
import { SafeInteger } from "./SafeInteger.ts"
import { SourceTime, sourceTimeToIso } from "./SourceTime.ts"
import { StorableText, StorableTrimmedText } from "./StorableText.ts"

/** A first or last name, once trimmed: names are grouped on in the insights, so bounded like a category. */
export const maxNameCodePoints = 256
/** Two names joined by one space. */
export const maxUserNameCodePoints = 2 * maxNameCodePoints + 1

/** The age range is a content rule, applied downstream (`out_of_range`). */
const Age = Schema.Finite
const Name = StorableTrimmedText(maxNameCodePoints)

/** What a client posts. Unknown extra keys are ignored (and not logged). */
export const UserEvent = Schema.Struct({
  ind: SafeInteger,
  first_name: Name,
  last_name: Name,
  age: Age,
  date_joined: SourceTime
})
export type UserEvent = typeof UserEvent.Type

/** What the edge appends to the user topic: the joined name only (null when both names are empty). */
export const LoggedUserEvent = Schema.Struct({
  ind: SafeInteger,
  user_name: Schema.NullOr(StorableText(maxUserNameCodePoints)),
  age: Age,
  date_joined: SourceTime,
  ingested_at: IsoInstant
})
export type LoggedUserEvent = typeof LoggedUserEvent.Type

/** The user's fields with the names joined: what the edge logs, less the stamp. */
export type JoinedUserEvent = Omit<LoggedUserEvent, "ingested_at">

export const maxAge = 150

export const CleanUser = Schema.Struct({
  ind: Schema.Int,
  /**
   * The trimmed first and last names joined by one space; one of them alone when the other is empty;
   * null when both are. The names are never kept apart (data protection).
   */
  user_name: Schema.NullOr(Schema.String.check(Schema.isMaxCodePoints(maxUserNameCodePoints))),
  age: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: maxAge })),
  /** The posted `date_joined` as an ISO instant (UTC). */
  date_joined: IsoInstant,
  /** When the edge received the event; absent for events cleaned offline from raw files. */
  ingested_at: Schema.optionalKey(IsoInstant)
})
export type CleanUser = typeof CleanUser.Type

export type UserOutcome = Result.Result<CleanUser, EventRejection>

/** "Ada Lovelace"; "Ada" when the last name is empty; null when both are. */
export const userName = (first: string, last: string): string | null => {
  const name = [first.trim(), last.trim()].filter((part) => part.length > 0).join(" ")
  return name.length === 0 ? null : name
}

/** A posted user with its names joined: what the edge logs (stamped), so the names never travel apart. */
export const joinedUser = (event: UserEvent): JoinedUserEvent => ({
  ind: event.ind,
  user_name: userName(event.first_name, event.last_name),
  age: event.age,
  date_joined: event.date_joined
})

/** The content rules, on a user whose structure is valid: the age range, the ISO time, `user_name` trimmed. */
export const cleanUserEvent = (event: JoinedUserEvent | LoggedUserEvent): UserOutcome => {
  const key = String(event.ind)
  const ranges = outOfRange([{ field: "age", value: event.age, min: 0, max: maxAge, integer: true }])
  if (ranges !== undefined) return Result.fail({ reason: "out_of_range", detail: ranges, key })
  const date_joined = sourceTimeToIso(event.date_joined)
  // unreachable after the schema, which checks the same rule; kept so the function is total on its own
  if (date_joined === undefined)
    return Result.fail({ reason: "schema", detail: "date_joined: not a UTC time YYYY-MM-DD HH:MM:SS", key })
  // another producer may log a name with white space around it, or blank
  const name = event.user_name?.trim() ?? ""
  const user: CleanUser = { ind: event.ind, user_name: name.length === 0 ? null : name, age: event.age, date_joined }
  return Result.succeed("ingested_at" in event ? { ...user, ingested_at: stampedAt(event.ingested_at) } : user)
}

const userCleaning = eventCleaning({
  posted: UserEvent,
  logged: LoggedUserEvent,
  readableKey: readableInd,
  contentOfPosted: (event: UserEvent) => cleanUserEvent(joinedUser(event)),
  contentOfLogged: cleanUserEvent
})

/** Cleans any value as posted by a client (structure, then content). */
export const cleanUser = userCleaning.cleanPosted
/** Cleans any value read back from the user topic or the archive (names joined, stamped with `ingested_at`). */
export const cleanLoggedUser = userCleaning.cleanLogged
/** One line of NDJSON as posted (what `pinflow clean --type user` reads). */
export const cleanUserLine = userCleaning.cleanPostedLine
/** One Kafka message value or archived line. */
export const cleanLoggedUserLine = userCleaning.cleanLoggedLine

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
