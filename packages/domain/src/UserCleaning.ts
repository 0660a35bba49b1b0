/** The user cleaning rules as pure total functions: any input yields a clean user or a typed rejection. */
import { Result } from "effect"
import { type CleanUser, maxAge } from "./CleanUser.ts"
import { eventCleaning } from "./EventCleaning.ts"
import { stampedAt } from "./EventLine.ts"
import type { EventRejection } from "./EventType.ts"
import { outOfRange } from "./Ranges.ts"
import { readableInd } from "./ReadableInd.ts"
import { sourceTimeToIso } from "./SourceTime.ts"
import { type JoinedUserEvent, LoggedUserEvent, UserEvent } from "./UserEvent.ts"

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
