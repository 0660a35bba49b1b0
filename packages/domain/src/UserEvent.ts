/**
 * The user event as posted (who posted a pin; `ind` = the pin's `index`), and the record the edge
 * appends to the user topic: the names already joined into `user_name` (never kept apart), stamped with
 * `ingested_at`.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { SafeInteger } from "./SafeInteger.ts"
import { SourceTime } from "./SourceTime.ts"
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
