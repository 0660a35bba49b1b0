/**
 * The stream worker's configuration: `STREAM_GROUP` (pinflow-stream), `STREAM_BATCH_SIZE` (1000 records:
 * the read-ahead and the batches in flight hold up to 4 × this many; draining 500K with the worker's launch
 * flags it peaked at 184-195 MB with 2,000, 156-171 MB with 1,000, events/s within the noise),
 * `STREAM_BATCH_BYTES` (8 MiB of record text per batch at most,
 * whichever of count and bytes comes first; the read-ahead holds up to twice this, so read-ahead plus the batches
 * in flight stay near 40 MB of text even for 900 KiB records, which count alone would let reach gigabytes),
 * `STREAM_BATCH_WINDOW` (0: no window, a batch is taken as soon as a writer is free; a duration brings back
 * fixed windows: a batch is written when full or this long after its first record),
 * `STREAM_WRITE_CONCURRENCY` (2 batches written at once; commits stay in order), `STREAM_BUFFER`
 * (records read ahead, default 2 × batch size), `STREAM_SHUTDOWN_TIMEOUT` (30 seconds to finish the
 * batches in flight on SIGTERM), `STREAM_LAG_INTERVAL` (5 seconds between two readings of the broker's
 * offsets for `pinflow_consumer_lag`), `STREAM_STALL_AFTER` (100: `/healthz` answers 503 once no offset was
 * committed for this many batch windows — of 200 ms when there is no window — while records wait), and every registered type's topics
 * (`PINS_TOPIC`, `GEOS_TOPIC`, `USERS_TOPIC`, each with `<topic>.rejected`).
 */

import { defaultEventTopics, type EventTopic, EventTopics } from "@pinflow/adapters"
import { Config, Context, Duration, Effect, Layer } from "effect"

const pinTopic = (types: ReadonlyArray<EventTopic>): EventTopic =>
  types.find((t) => t.type === "pin") ?? { type: "pin", topic: "pins", rejected: "pins.rejected" }

export const StreamConfig = Config.all({
  group: Config.NonEmptyString("STREAM_GROUP").pipe(Config.withDefault("pinflow-stream")),
  batchSize: Config.Int("STREAM_BATCH_SIZE").pipe(Config.withDefault(1000)),
  batchBytes: Config.Int("STREAM_BATCH_BYTES").pipe(Config.withDefault(8 * 1024 * 1024)),
  // a bare `0` is the natural way to say "no window", though not a Duration string
  batchWindow: Config.Literal("0", "STREAM_BATCH_WINDOW").pipe(
    Config.map(() => Duration.zero),
    Config.orElse(() => Config.Duration("STREAM_BATCH_WINDOW")),
    Config.withDefault(Duration.zero)
  ),
  writeConcurrency: Config.Int("STREAM_WRITE_CONCURRENCY").pipe(Config.withDefault(2)),
  buffer: Config.option(Config.Int("STREAM_BUFFER")),
  fetchMinBytes: Config.Int("STREAM_FETCH_MIN_BYTES").pipe(Config.withDefault(16 * 1024)),
  fetchMaxWait: Config.Duration("STREAM_FETCH_MAX_WAIT").pipe(Config.withDefault(Duration.millis(50))),
  shutdownTimeout: Config.Duration("STREAM_SHUTDOWN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  lagInterval: Config.Duration("STREAM_LAG_INTERVAL").pipe(Config.withDefault(Duration.seconds(5))),
  stallAfter: Config.Int("STREAM_STALL_AFTER").pipe(Config.withDefault(100)),
  topics: EventTopics
})

export interface StreamSettingsShape {
  readonly group: string
  readonly batchSize: number
  /** Record text (characters) per batch at most, besides the count; a larger record is a batch of one. */
  readonly batchBytes: number
  /** Record text read ahead at most (twice `batchBytes`), besides `bufferSize`. */
  readonly bufferBytes: number
  /** Zero (the default): no window, a batch is taken when a writer is free. */
  readonly batchWindow: Duration.Duration
  readonly writeConcurrency: number
  readonly bufferSize: number
  /**
   * A fetch is answered once this many bytes are there or after `fetchMaxWait`. Answering at the first byte
   * made a worker under steady load fetch a few records at a time, hundreds of times a second, and the
   * CPU that cost the worker and the broker set the latency; each empty fetch of an idle worker costs
   * both, so the wait is not shorter than it needs to be (`npm run bench -- e2e`, packages/stream/README.md).
   */
  readonly fetchMinBytes: number
  readonly fetchMaxWait: Duration.Duration
  readonly shutdownTimeout: Duration.Duration
  /** How often the lag is read from the broker. */
  readonly lagInterval: Duration.Duration
  /** Batch windows (`stallUnit`) without a commit, while records wait, after which the worker is stalled. */
  readonly stallAfter: number
  readonly pinsTopic: string
  readonly rejectedTopic: string
  /** Every registered type's topics, the pins' included (`pinsTopic`, `rejectedTopic` name those). */
  readonly eventTopics: ReadonlyArray<EventTopic>
}

/** Each type's default topics, the pins' as given (the others follow them: see `defaultTopic`). */
const eventTopicsWith = (pinsTopic: string, rejectedTopic: string): ReadonlyArray<EventTopic> =>
  defaultEventTopics(pinsTopic).map((t) => (t.type === "pin" ? { ...t, rejected: rejectedTopic } : t))

/** The time a `stallAfter` counts in: the batch window, 200 ms when there is none (as the former default). */
export const stallUnit = (settings: StreamSettingsShape): Duration.Duration =>
  Duration.isZero(settings.batchWindow) ? Duration.millis(200) : settings.batchWindow

/** Every topic the worker reads. */
export const consumedTopics = (settings: StreamSettingsShape): ReadonlyArray<string> =>
  settings.eventTopics.flatMap((t) => [t.topic, t.rejected])

export class StreamSettings extends Context.Service<StreamSettings, StreamSettingsShape>()(
  "pinflow/stream/StreamSettings"
) {
  static readonly layer = Layer.effect(
    StreamSettings,
    Effect.map(StreamConfig, (c) =>
      StreamSettings.of({
        group: c.group,
        batchSize: Math.max(1, c.batchSize),
        batchBytes: Math.max(1, c.batchBytes),
        bufferBytes: Math.max(1, c.batchBytes) * 2,
        batchWindow: c.batchWindow,
        writeConcurrency: Math.max(1, c.writeConcurrency),
        bufferSize: c.buffer._tag === "Some" ? Math.max(1, c.buffer.value) : Math.max(1, c.batchSize) * 2,
        fetchMinBytes: Math.max(1, c.fetchMinBytes),
        fetchMaxWait: c.fetchMaxWait,
        shutdownTimeout: c.shutdownTimeout,
        lagInterval: c.lagInterval,
        stallAfter: Math.max(1, c.stallAfter),
        pinsTopic: pinTopic(c.topics.types).topic,
        rejectedTopic: pinTopic(c.topics.types).rejected,
        eventTopics: c.topics.types
      })
    )
  )

  /** Fixed settings (tests): the defaults, overridden by `overrides` (other types' topics: their plurals). */
  static readonly layerWith = (overrides: Partial<StreamSettingsShape> = {}) =>
    Layer.succeed(
      StreamSettings,
      StreamSettings.of({
        eventTopics: eventTopicsWith(overrides.pinsTopic ?? "pins", overrides.rejectedTopic ?? "pins.rejected"),
        group: "pinflow-stream",
        batchSize: 2000,
        batchBytes: 8 * 1024 * 1024,
        bufferBytes: 16 * 1024 * 1024,
        batchWindow: Duration.zero,
        writeConcurrency: 2,
        bufferSize: 4000,
        fetchMinBytes: 16 * 1024,
        fetchMaxWait: Duration.millis(50),
        shutdownTimeout: Duration.seconds(30),
        lagInterval: Duration.seconds(5),
        stallAfter: 100,
        pinsTopic: "pins",
        rejectedTopic: "pins.rejected",
        ...overrides
      })
    )
}
