/**
 * Which backend each external system uses in `pinflow start`: the real one when its variable is set
 * (`KAFKA_BROKERS`, `DATABASE_URL`, `GCS_BUCKET`), the embedded default otherwise — a durable embedded log,
 * PGlite persisted under `PINFLOW_HOME` (./.pinflow), and a local folder as the bucket. Each choice is
 * independent, so a user can point one system at a real service and keep the others embedded.
 */
import {
  Database,
  DatabaseSchemaConfig,
  defaultEmbeddedPort,
  EmbeddedDatabase,
  embeddedUrl,
  KafkaClient,
  ObjectStore,
  PinLog,
  PinSource,
  PinsTopicsLayer
} from "@pinflow/adapters"
import { EmbeddedLog } from "@pinflow/adapters/EmbeddedLog"
import { BatchSettingsConfig } from "@pinflow/batch"
import { StreamConfig } from "@pinflow/stream"
import { Config, Effect, Layer, Option, Schema } from "effect"

export interface BackendChoice {
  readonly home: string
  readonly kafka: Option.Option<string>
  readonly database: Option.Option<string>
  readonly bucket: Option.Option<string>
  /** `PINFLOW_DB_PORT`: where the embedded database is served (0 = any free port). */
  readonly dbPort?: number
  /** `DATABASE_SCHEMA`, for either database (the DATABASE_URL one reads it itself). */
  readonly schema?: Option.Option<string>
}

const present = (name: string) => Config.option(Config.NonEmptyString(name))

export const BackendChoice: Config.Config<BackendChoice> = Config.all({
  home: Config.NonEmptyString("PINFLOW_HOME").pipe(Config.withDefault(".pinflow")),
  kafka: present("KAFKA_BROKERS"),
  database: present("DATABASE_URL"),
  bucket: present("GCS_BUCKET"),
  dbPort: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), "PINFLOW_DB_PORT").pipe(
    Config.withDefault(defaultEmbeddedPort)
  ),
  schema: DatabaseSchemaConfig
})

export const logDir = (choice: BackendChoice): string => `${choice.home}/log`
export const databaseDir = (choice: BackendChoice): string => `${choice.home}/postgres`
export const bucketDir = (choice: BackendChoice): string => `${choice.home}/bucket`

/** One line per system saying what it runs on and how to change it. */
export const describeBackends = (choice: BackendChoice): ReadonlyArray<string> => [
  Option.match(choice.kafka, {
    onNone: () => `log:      embedded, durable in ${logDir(choice)} (set KAFKA_BROKERS for Kafka)`,
    onSome: (brokers) => `log:      Kafka at ${brokers}`
  }),
  Option.match(choice.database, {
    onNone: () =>
      `database: embedded PostgreSQL (PGlite) in ${databaseDir(choice)}, served at ${embeddedUrl(choice.dbPort ?? defaultEmbeddedPort)} for psql or \`pinflow sql\` (PINFLOW_DB_PORT; set DATABASE_URL for PostgreSQL)`,
    onSome: () => "database: PostgreSQL at DATABASE_URL"
  }),
  Option.match(choice.bucket, {
    onNone: () => `archive:  local folder ${bucketDir(choice)} (set GCS_BUCKET for Google Cloud Storage)`,
    onSome: (bucket) => `archive:  GCS bucket ${bucket}`
  })
]

/**
 * The embedded log keeps a topic's records until the groups that read it have committed past them: the
 * stream worker's for every type's topics, the archive's for the topics it archives (it may run only once a day).
 */
const embeddedLog = (choice: BackendChoice) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const stream = yield* StreamConfig
      const batch = yield* BatchSettingsConfig
      return EmbeddedLog.layer(logDir(choice), {
        retainFor: (topic) => [
          ...(stream.topics.all.includes(topic) ? [stream.group] : []),
          ...(topic === batch.topic || batch.eventTopics.some((t) => t.topic === topic) ? [batch.group] : [])
        ]
      })
    })
  )

/** The edge's log and the consumers' source: Kafka, or one durable embedded log shared by both. */
export const logLayer = (choice: BackendChoice): Layer.Layer<PinLog | PinSource, unknown> =>
  Option.isSome(choice.kafka)
    ? Layer.mergeAll(PinLog.layer, PinSource.layer, PinsTopicsLayer).pipe(
        Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-start" }))
      )
    : Layer.mergeAll(PinLog.layerMemoryWith(), PinSource.layerMemory).pipe(Layer.provide(embeddedLog(choice)))

/** The rows an earlier run left (tables not yet created count 0), as the banner's line. */
export const describeHoldings = Effect.fn("Backends.describeHoldings")(function* () {
  const db = yield* Database
  // a table the migrations have not created yet holds nothing (naming it in a query would fail)
  const count = (table: "pins" | "pin_rejects") =>
    Effect.tryPromise(async () => {
      const [found] = await db.sql<Array<{ exists: boolean }>>`select to_regclass(${table}) is not null as exists`
      if (found?.exists !== true) return "0"
      const [row] = await db.sql<Array<{ n: string }>>`select count(*)::text as n from ${db.sql(table)}`
      return row?.n ?? "0"
    })
  const pins = yield* count("pins")
  const rejects = yield* count("pin_rejects")
  const where = db.url === undefined ? db.description : db.url
  return `database ${where} holds ${pins} pins and ${rejects} rejects (earlier runs included; the status line counts this run only)`
})

/** The chosen database; once open, one line says where to reach it and what it already holds. */
export const databaseLayer = (choice: BackendChoice): Layer.Layer<Database, unknown> =>
  (Option.isSome(choice.database)
    ? Database.layer
    : EmbeddedDatabase.layer(databaseDir(choice), {
        port: choice.dbPort ?? defaultEmbeddedPort,
        ...(choice.schema !== undefined && Option.isSome(choice.schema) ? { schema: choice.schema.value } : {})
      })
  ).pipe(
    Layer.tap((context) =>
      describeHoldings().pipe(
        Effect.flatMap((line) => Effect.logInfo(line)),
        // a count is news, not a duty: never let it stop the start
        Effect.catchCause((cause) => Effect.logDebug("could not count the database's rows", cause)),
        Effect.provideContext(context)
      )
    )
  )

export const objectStoreLayer = (choice: BackendChoice): Layer.Layer<ObjectStore, unknown> =>
  Option.isSome(choice.bucket) ? ObjectStore.layerGcs : ObjectStore.layerLocalFolder(bucketDir(choice))
