/** The user cleaning rules as pure total functions: any input yields a clean user or a typed rejection. */
import { Result } from "effect"
import { type CleanUser, maxAge } from "./CleanUser.ts"
import { cleanJsonLine, fieldChecker, schemaRejection, stampedAt } from "./EventLine.ts"
import type { EventRejection } from "./EventType.ts"
import { outOfRange, readableInd } from "./Ranges.ts"
import { sourceTimeToIso } from "./SourceTime.ts"
import { LoggedUserEvent, UserEvent } from "./UserEvent.ts"

export type UserOutcome = Result.Result<CleanUser, EventRejection>

/** "Ada Lovelace"; "Ada" when the last name is empty; null when both are. */
export const userName = (first: string, last: string): string | null => {
  const name = [first.trim(), last.trim()].filter((part) => part.length > 0).join(" ")
  return name.length === 0 ? null : name
}

/** The content rules, on an event whose structure is valid: the age range, the ISO time, `user_name`. */
export const cleanUserEvent = (event: UserEvent | LoggedUserEvent): UserOutcome => {
  const key = String(event.ind)
  const ranges = outOfRange([{ field: "age", value: event.age, min: 0, max: maxAge, integer: true }])
  if (ranges !== undefined) return Result.fail({ reason: "out_of_range", detail: ranges, key })
  const date_joined = sourceTimeToIso(event.date_joined)
  // unreachable after the schema, which checks the same rule; kept so the function is total on its own
  if (date_joined === undefined)
    return Result.fail({ reason: "schema", detail: "date_joined: not a UTC time YYYY-MM-DD HH:MM:SS", key })
  const user: CleanUser = {
    ind: event.ind,
    user_name: userName(event.first_name, event.last_name),
    age: event.age,
    date_joined
  }
  return Result.succeed("ingested_at" in event ? { ...user, ingested_at: stampedAt(event.ingested_at) } : user)
}

const checkPosted = fieldChecker(UserEvent)
const checkLogged = fieldChecker(LoggedUserEvent)

/** Cleans any value as posted by a client (structure, then content). */
export const cleanUser = (input: unknown): UserOutcome =>
  Result.match(checkPosted(input), {
    onFailure: (issues) => Result.fail(schemaRejection(issues, readableInd(input))),
    onSuccess: cleanUserEvent
  })

/** Cleans any value read back from the user topic or the archive (stamped with `ingested_at`). */
export const cleanLoggedUser = (input: unknown): UserOutcome =>
  Result.match(checkLogged(input), {
    onFailure: (issues) => Result.fail(schemaRejection(issues, readableInd(input))),
    onSuccess: cleanUserEvent
  })

/** One line of NDJSON as posted. */
export const cleanUserLine = cleanJsonLine(cleanUser)

/** One Kafka message value or archived line. */
export const cleanLoggedUserLine = cleanJsonLine(cleanLoggedUser)
