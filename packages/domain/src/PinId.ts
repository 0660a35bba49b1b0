/** The identity of a pin: the posted `unique_id`, trimmed. Repeats of an id are the same pin. */
import { Schema } from "effect"

export const PinId = Schema.NonEmptyString.pipe(Schema.brand("PinId"))
export type PinId = typeof PinId.Type
