/**
 * What the edge is configured with, read once from the environment: body limits, the per-event size
 * that still fits one Kafka message, and the optional API key.
 */
import { Config, Context, Layer, Option, Redacted } from "effect"

export interface IngestSettingsShape {
  /** Largest body of `POST /pin/`, bytes (`INGEST_MAX_BODY_PIN`, default 1 MiB). */
  readonly maxPinBody: number
  /** Largest body of `POST /pins`, bytes (`INGEST_MAX_BODY_PINS`, default 10 MiB). */
  readonly maxPinsBody: number
  /** Largest single event as logged, bytes: keeps each message under the broker's 1 MB default. */
  readonly maxEventBytes: number
  /** When set (`INGEST_API_KEY`), posts need `Authorization: Bearer <key>`. */
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
}

export const IngestConfig = Config.all({
  maxPinBody: Config.Int("INGEST_MAX_BODY_PIN").pipe(Config.withDefault(1024 * 1024)),
  maxPinsBody: Config.Int("INGEST_MAX_BODY_PINS").pipe(Config.withDefault(10 * 1024 * 1024)),
  maxEventBytes: Config.Int("INGEST_MAX_EVENT_BYTES").pipe(Config.withDefault(900 * 1024)),
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
