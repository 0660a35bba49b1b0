/**
 * The batch program's settings, from the environment (defaults in brackets):
 * `PINS_TOPIC` [pins], `BATCH_GROUP` [pinflow-archive], `BATCH_PART_MAX_BYTES` [16777216: NDJSON bytes
 * per archive object before gzip], `BATCH_GZIP_LEVEL` [3: about half the CPU of level 6 for 7% more bytes],
 * `BATCH_UPLOAD_CONCURRENCY` [4],
 * `BATCH_RETENTION_DAYS` [30], `BATCH_CRON` [0 0 * * *, UTC], `BATCH_RETRIES` [3], `BATCH_RETRY_DELAY`
 * [1 minute, doubled each retry], `BATCH_CATCH_UP_MAX_DAYS` [31], `BATCH_LEGACY_PREFIX` [unset: legacy
 * objects only in day folders; "/" = the bucket's top level], `BATCH_AGGREGATION` [database: the day's
 * clean pins are staged in Postgres and aggregated there, so the batch's memory does not grow with the
 * number of pins; memory: the domain's accumulator, one entry per pin — the earlier design, kept as the
 * benchmark's baseline], `ARCHIVE_PREFIX` [unset: the bucket's top level; otherwise the folder the
 * archive lives in: objects under `<prefix>/raw/<topic>/`]; `GEOS_TOPIC`, `USERS_TOPIC` [geos, users]: archived
 * beside the pins under `raw/<topic>/`.
 */
import { defaultEventTopics, type EventTopic, EventTopics } from "@pinflow/adapters"
import { type EventTypeName, eventTypes } from "@pinflow/domain"
import { Config, Context, Cron, Duration, Effect, Layer, Option, Result, Schema } from "effect"
import { archiveRootFor } from "./ArchiveLayout.ts"

export interface BatchSettingsShape {
  readonly topic: string
  readonly group: string
  readonly partMaxBytes: number
  readonly gzipLevel: number
  readonly uploadConcurrency: number
  readonly retentionDays: number
  readonly cron: string
  readonly retries: number
  readonly retryDelay: Duration.Duration
  readonly catchUpMaxDays: number
  /** Where the original design's `<uuid>.json` objects live, if outside the day folders ("" = top level). */
  readonly legacyPrefix: string | undefined
  /** Where a day's pins are aggregated: staged in the database (default), or in this process's memory. */
  readonly aggregation: Aggregation
  /** The folder of this deployment's archive in the bucket ("" = the top level). */
  readonly archivePrefix: string
  /** Every registered type's topic (`topic` among them): each is archived under `raw/<topic>/`. */
  readonly eventTopics: ReadonlyArray<Pick<EventTopic, "type" | "topic">>
}

export type Aggregation = "database" | "memory"

export const defaultBatchSettings: BatchSettingsShape = {
  topic: "pins",
  group: "pinflow-archive",
  partMaxBytes: 16 * 1024 * 1024,
  gzipLevel: 3,
  uploadConcurrency: 4,
  retentionDays: 30,
  cron: "0 0 * * *",
  retries: 3,
  retryDelay: Duration.minutes(1),
  catchUpMaxDays: 31,
  legacyPrefix: undefined,
  aggregation: "database",
  archivePrefix: "",
  eventTopics: eventTypes.map((t) => ({ type: t.name as EventTypeName, topic: t.plural }))
}

const intBetween = (name: string, fallback: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })), name).pipe(Config.withDefault(fallback))

/** `BATCH_CRON` must parse as a five-field cron expression (evaluated in UTC). */
const cronExpression = Config.schema(
  Schema.String.check(
    Schema.makeFilter(
      (expression: string) =>
        Result.isSuccess(Cron.parse(expression, "UTC")) || 'Expected a cron expression such as "0 0 * * *"'
    )
  ),
  "BATCH_CRON"
).pipe(Config.withDefault(defaultBatchSettings.cron))

export const BatchSettingsConfig = Config.all({
  topic: Config.NonEmptyString("PINS_TOPIC").pipe(Config.withDefault(defaultBatchSettings.topic)),
  group: Config.NonEmptyString("BATCH_GROUP").pipe(Config.withDefault(defaultBatchSettings.group)),
  partMaxBytes: intBetween("BATCH_PART_MAX_BYTES", defaultBatchSettings.partMaxBytes, 1024),
  gzipLevel: intBetween("BATCH_GZIP_LEVEL", defaultBatchSettings.gzipLevel, 1, 9),
  uploadConcurrency: intBetween("BATCH_UPLOAD_CONCURRENCY", defaultBatchSettings.uploadConcurrency, 1, 64),
  retentionDays: intBetween("BATCH_RETENTION_DAYS", defaultBatchSettings.retentionDays, 1),
  cron: cronExpression,
  retries: intBetween("BATCH_RETRIES", defaultBatchSettings.retries, 0, 100),
  retryDelay: Config.Duration("BATCH_RETRY_DELAY").pipe(Config.withDefault(defaultBatchSettings.retryDelay)),
  catchUpMaxDays: intBetween("BATCH_CATCH_UP_MAX_DAYS", defaultBatchSettings.catchUpMaxDays, 1, 3660),
  legacyPrefix: Config.option(Config.String("BATCH_LEGACY_PREFIX")).pipe(
    Config.map(Option.map((prefix) => (prefix === "/" ? "" : prefix))),
    Config.map(Option.getOrUndefined)
  ),
  aggregation: Config.schema(Schema.Literals(["database", "memory"]), "BATCH_AGGREGATION").pipe(
    Config.withDefault(defaultBatchSettings.aggregation)
  ),
  archivePrefix: Config.String("ARCHIVE_PREFIX").pipe(
    Config.map((prefix) => prefix.trim()),
    Config.withDefault(defaultBatchSettings.archivePrefix)
  ),
  eventTopics: EventTopics.pipe(Config.map((topics) => topics.types))
})

/** Where these settings' archive lives: `<ARCHIVE_PREFIX>raw/<PINS_TOPIC>/` (`raw/pins/` by default). */
export const archiveRootOf = (settings: Pick<BatchSettingsShape, "topic" | "archivePrefix">): string =>
  archiveRootFor(settings.topic, settings.archivePrefix)

export class BatchSettings extends Context.Service<BatchSettings, BatchSettingsShape>()("pinflow/batch/BatchSettings") {
  static readonly layer = Layer.effect(BatchSettings, Effect.map(BatchSettingsConfig, BatchSettings.of))
  /** Defaults with some settings replaced (tests, benchmarks). */
  static readonly layerWith = (settings: Partial<BatchSettingsShape>) =>
    Layer.succeed(
      BatchSettings,
      BatchSettings.of({
        ...defaultBatchSettings,
        // the other types' topics follow the given pins topic, as they do from the environment
        eventTopics: defaultEventTopics(settings.topic ?? defaultBatchSettings.topic).map(({ type, topic }) => ({
          type,
          topic
        })),
        ...settings
      })
    )
}
