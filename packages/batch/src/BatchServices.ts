/**
 * The batch's live services: the `pins` topic through kafkajs (`KAFKA_BROKERS`), the archive on GCS
 * (`GCS_BUCKET`, `GCS_ENDPOINT`) or, without a bucket, the local folder `$PINFLOW_HOME/bucket`, and Postgres
 * (`DATABASE_URL`, migrated at start).
 */
import { AnalyticsStore, Database, KafkaClient, Migrations, ObjectStore, PinSource } from "@pinflow/adapters"
import { Layer } from "effect"
import { BatchSettings } from "./BatchSettings.ts"

/** Everything a run needs, from the environment. */
export const BatchServices = Layer.mergeAll(
  PinSource.layer.pipe(Layer.provideMerge(KafkaClient.layerConfig({ clientId: "pinflow-batch" }))),
  ObjectStore.layer,
  AnalyticsStore.layer.pipe(Layer.provide(Migrations.layer)),
  BatchSettings.layer
).pipe(Layer.provide(Database.layer))
