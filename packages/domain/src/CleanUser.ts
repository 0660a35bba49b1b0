/** The clean user event: what `clean --type user` prints and what the `users` table holds. */
import { Schema } from "effect"
import { IsoInstant } from "./IsoInstant.ts"
import { maxUserNameCodePoints } from "./UserEvent.ts"

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
