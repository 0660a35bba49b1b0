/** One step of the emulator: the events of one source row, one per type, each for its type's endpoint. */
import type { EventTypeName } from "@pinflow/domain"

export interface Post {
  readonly type: EventTypeName
  /** The event's JSON, as posted. */
  readonly body: string
  /**
   * The source row number, when the line has one (replayed files): the emulator posts the versions of one
   * row and type in order, each after the previous one was answered, so the last line is the last written.
   */
  readonly row?: number
}

export type Step = ReadonlyArray<Post>
