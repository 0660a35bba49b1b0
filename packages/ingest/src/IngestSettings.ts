/**
 * What the edge is configured with, read once from the environment: body limits, the size one event's
 * Kafka message may have, how many events one request may hold, and the optional API key.
 */
import { Config, Context, Layer, Option, Redacted } from "effect"

export interface IngestSettingsShape {
  /** Largest body of `POST /pin/`, bytes (`INGEST_MAX_BODY_PIN`, default 1 MiB). */
  readonly maxPinBody: number
  /** Largest body of `POST /pins`, bytes (`INGEST_MAX_BODY_PINS`, default 10 MiB). */
  readonly maxPinsBody: number
  /**
   * Largest Kafka message of one event, key + value bytes (`INGEST_MAX_MESSAGE_BYTES`, default 900 KiB):
   * under the broker's 1 MB default with room for the record's overhead.
   */
  readonly maxMessageBytes: number
  /** Most events in one `POST /pins` (`INGEST_MAX_EVENTS`, default 10,000). */
  readonly maxEvents: number
  /**
   * Request-body bytes worked on at once (`INGEST_INFLIGHT_BYTES`, default 16 MiB; never below the largest
   * body limit): past it a request is answered 503 with `Retry-After` (AdmissionBudget.ts).
   */
  readonly maxInFlightBytes: number
  /** When set (`INGEST_API_KEY`), posts need `Authorization: Bearer <key>`. */
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
}

export const defaultMaxEvents = 10_000

export const IngestConfig = Config.all({
  maxPinBody: Config.Int("INGEST_MAX_BODY_PIN").pipe(Config.withDefault(1024 * 1024)),
  maxPinsBody: Config.Int("INGEST_MAX_BODY_PINS").pipe(Config.withDefault(10 * 1024 * 1024)),
  // INGEST_MAX_EVENT_BYTES is the earlier name, still read
  maxMessageBytes: Config.Int("INGEST_MAX_MESSAGE_BYTES").pipe(
    Config.orElse(() => Config.Int("INGEST_MAX_EVENT_BYTES")),
    Config.withDefault(900 * 1024)
  ),
  maxEvents: Config.Int("INGEST_MAX_EVENTS").pipe(Config.withDefault(defaultMaxEvents)),
  maxInFlightBytes: Config.Int("INGEST_INFLIGHT_BYTES").pipe(Config.withDefault(16 * 1024 * 1024)),
  apiKey: Config.option(Config.Redacted("INGEST_API_KEY")).pipe(
    Config.map(Option.filter((key) => Redacted.value(key).length > 0))
  )
})

export class IngestSettings extends Context.Service<IngestSettings, IngestSettingsShape>()(
  "pinflow/ingest/IngestSettings"
) {
  static readonly layer = Layer.effect(IngestSettings, IngestConfig)
  static readonly layerWith = (settings: Partial<IngestSettingsShape>) =>
    Layer.effect(
      IngestSettings,
      Config.map(IngestConfig, (fromEnv) => ({ ...fromEnv, ...settings }))
    )
}
