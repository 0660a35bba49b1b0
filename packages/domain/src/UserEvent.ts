/**
 * The user event as posted (who posted a pin; `ind` = the pin's `index`), and the record the edge
 * appends to the user topic: the same event stamped with `ingested_at`. The names travel apart up to the
 * cleaning, which joins them: only `user_name` is stored.
 */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { SafeInteger } from "./SafeInteger.ts"
import { SourceTime } from "./SourceTime.ts"
import { maxTextCodePoints, StorableText } from "./StorableText.ts"

const Name = StorableText(maxTextCodePoints)

/** The structure the edge checks; the age range is a content rule, applied downstream (`out_of_range`). */
const userFields = {
  ind: SafeInteger,
  first_name: Name,
  last_name: Name,
  age: Schema.Finite,
  date_joined: SourceTime
}

/** What a client posts. Unknown extra keys are ignored (and not logged). */
export const UserEvent = Schema.Struct(userFields)
export type UserEvent = typeof UserEvent.Type

/** What the edge appends to the user topic. */
export const LoggedUserEvent = Schema.Struct({ ...userFields, ingested_at: IsoInstant })
export type LoggedUserEvent = typeof LoggedUserEvent.Type
