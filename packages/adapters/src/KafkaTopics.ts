/**
 * pinflow's topic names and their creation. The broker runs with auto-create off, so every program that
 * produces or consumes calls `ensureTopics` at start (idempotent: existing topics are left as they are).
 *
 *   const topics = yield* PinsTopics                    // { pins: "pins", rejected: "pins.rejected", ... }
 *   yield* ensureTopics([topics.pins, topics.rejected], topics)
 */
import { type EventTypeName, eventTypes } from "@pinflow/domain"
import { Config, Effect, Layer, Schema, SchemaIssue } from "effect"
import { KafkaClient, type KafkaError } from "./KafkaClient.ts"

export interface TopicSettings {
  /** Partitions of a newly created topic (existing topics are not changed). */
  readonly partitions: number
  /** Replicas of a newly created topic; 1 on a single-node development broker. */
  readonly replicationFactor: number
}

/**
 * `PINS_TOPIC` (default `pins`), its audit topic `<PINS_TOPIC>.rejected`, `KAFKA_PARTITIONS` (default 6)
 * and `KAFKA_REPLICATION_FACTOR` (default 1).
 */
export const PinsTopics = Config.all({
  pins: Config.NonEmptyString("PINS_TOPIC").pipe(Config.withDefault("pins")),
  partitions: Config.Int("KAFKA_PARTITIONS").pipe(Config.withDefault(6)),
  replicationFactor: Config.Int("KAFKA_REPLICATION_FACTOR").pipe(Config.withDefault(1))
}).pipe(Config.map((c) => ({ ...c, rejected: rejectedTopic(c.pins) })))
export type PinsTopics = Config.Success<typeof PinsTopics>

/** One registered type's topics: its events (key = the type's key) and its refusals. */
export interface EventTopic {
  readonly type: EventTypeName
  readonly topic: string
  readonly rejected: string
}

/**
 * The default topic of a type whose variable is unset: its plural (`geos`, `users`) — or, when
 * `PINS_TOPIC` names another topic than `pins`, `<PINS_TOPIC>-<plural>`: PINS_TOPIC is how people and
 * tests sharing one broker keep apart, and every type must stay apart with it.
 */
export const defaultTopic = (plural: string, pinsTopic: string): string =>
  plural === "pins" ? pinsTopic : pinsTopic === "pins" ? plural : `${pinsTopic}-${plural}`

/** Every registered type's topics when no type's variable is set, for this pins topic (see `defaultTopic`). */
export const defaultEventTopics = (pinsTopic = "pins"): ReadonlyArray<EventTopic> =>
  eventTypes.map((t) => {
    const topic = defaultTopic(t.plural, pinsTopic)
    return { type: t.name, topic, rejected: rejectedTopic(topic) }
  })

/**
 * Every registered type's topics: `<topicVariable>` (PINS_TOPIC, GEOS_TOPIC, USERS_TOPIC; default see
 * `defaultTopic`) and `<topic>.rejected`, in registry order, with `KAFKA_PARTITIONS` and
 * `KAFKA_REPLICATION_FACTOR` as `PinsTopics` reads them.
 */
export const EventTopics = Config.all({
  types: Config.NonEmptyString("PINS_TOPIC").pipe(
    Config.withDefault("pins"),
    Config.flatMap((pins) =>
      Config.all(
        eventTypes.map((t) =>
          Config.NonEmptyString(t.topicVariable).pipe(
            Config.withDefault(defaultTopic(t.plural, pins)),
            Config.map((topic): EventTopic => ({ type: t.name, topic, rejected: rejectedTopic(topic) }))
          )
        )
      )
    ),
    Config.flatMap((types) => {
      const shared = sharedTopic(types)
      return shared === undefined
        ? Config.succeed(types)
        : Config.fail(new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: shared })))
    })
  ),
  partitions: Config.Int("KAFKA_PARTITIONS").pipe(Config.withDefault(6)),
  replicationFactor: Config.Int("KAFKA_REPLICATION_FACTOR").pipe(Config.withDefault(1))
}).pipe(
  Config.map(({ types, ...settings }) => ({
    ...settings,
    types: types as ReadonlyArray<EventTopic>,
    /** Every topic of every type: what producers and consumers ensure and read. */
    all: types.flatMap((t) => [t.topic, t.rejected])
  }))
)
export type EventTopics = Config.Success<typeof EventTopics>

/**
 * The first topic two types would share, as a configuration error naming their variables; undefined when
 * every topic has one owner. A worker routes each record by its topic alone, so a shared one makes every
 * event of one type a schema reject of the other (`GEOS_TOPIC=pins`), or an audit record an event.
 */
const sharedTopic = (types: ReadonlyArray<EventTopic>): string | undefined => {
  const owners = new Map<string, string>()
  for (const t of types) {
    const variable = eventTypes.find((e) => e.name === t.type)?.topicVariable ?? t.type
    for (const [topic, owner] of [
      [t.topic, `${variable} (${t.type} events)`],
      [t.rejected, `${variable}'s ${t.rejected} (${t.type} refusals)`]
    ] as const) {
      const first = owners.get(topic)
      if (first !== undefined)
        return `Kafka topic ${topic} is both ${first} and ${owner}: every event type needs topics of its own (set ${variable} to another name)`
      owners.set(topic, owner)
    }
  }
  return undefined
}

/** Where events that failed validation are kept, with their reason: `<topic>.rejected`. */
export const rejectedTopic = (topic: string): string => `${topic}.rejected`

/** Creates the topics that do not exist yet and waits until they have leaders. */
export const ensureTopics = Effect.fn("KafkaTopics.ensure")(function* (
  topics: ReadonlyArray<string>,
  settings: TopicSettings
): Effect.fn.Return<ReadonlyArray<string>, KafkaError, KafkaClient> {
  const client = yield* KafkaClient
  const existing = new Set(yield* client.admin("listTopics", (admin) => admin.listTopics()))
  const missing = topics.filter((t) => !existing.has(t))
  if (missing.length === 0) return []
  yield* client.admin("createTopics", (admin) =>
    // Returns false when another process created them first: that is fine too.
    admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor
      }))
    })
  )
  yield* Effect.logInfo("created Kafka topics").pipe(
    Effect.annotateLogs({ topics: missing.join(","), partitions: settings.partitions })
  )
  return missing
})

/** Once a broker answers, makes sure every registered type's topics exist (idempotent). */
export const EventTopicsLayer = Layer.effectDiscard(
  Effect.gen(function* () {
    const client = yield* KafkaClient
    yield* client.awaitReachable()
    const topics = yield* EventTopics
    yield* ensureTopics(topics.all, topics)
  })
)

/** The same as `EventTopicsLayer` (pins' topics are among them); the name programs used before the registry. */
export const PinsTopicsLayer = EventTopicsLayer
