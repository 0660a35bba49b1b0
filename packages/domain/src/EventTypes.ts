/** The registry: every event type pinflow takes in, logs, cleans and stores. Adding a type = one entry here. */
import type { EventType } from "./EventType.ts"
import { geoEvent } from "./GeoEventType.ts"
import { pinEvent } from "./PinEventType.ts"
import { userEvent } from "./UserEventType.ts"

const registered = [pinEvent, geoEvent, userEvent] as const

/** The registered types' names: the metrics label `event_type`, the rejects' `event_type` column. */
export type EventTypeName = (typeof registered)[number]["name"]

export const eventTypes: ReadonlyArray<EventType> = registered

/** The registered type of this name. */
export const eventTypeNamed = (name: EventTypeName): EventType | undefined => eventTypes.find((t) => t.name === name)
