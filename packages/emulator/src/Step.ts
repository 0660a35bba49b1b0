/** One step of the emulator: the events of one source row, one per type, each for its type's endpoint. */
import type { EventTypeName } from "@pinflow/domain"

export interface Post {
  readonly type: EventTypeName
  /** The event's JSON, as posted. */
  readonly body: string
}

export type Step = ReadonlyArray<Post>
