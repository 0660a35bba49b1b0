/** The registry: every event type pinflow takes in, logs, cleans and stores. Adding a type = one entry here. */
import type { EventType, EventTypeName } from "./EventType.ts"
import { geoEvent } from "./GeoEventType.ts"
import { pinEvent } from "./PinEventType.ts"
import { userEvent } from "./UserEventType.ts"

export const eventTypes: ReadonlyArray<EventType> = [pinEvent, geoEvent, userEvent]

/** The registered type of this name. */
export const eventTypeNamed = (name: EventTypeName): EventType | undefined => eventTypes.find((t) => t.name === name)
