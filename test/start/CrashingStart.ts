/**
 * `pinflow start` as a process (the same `runStartWith`, `StartProgram` and `runProgram` as
 * `pinflow start`) on in-memory services, except that the stream worker's consumer crashes for
 * good once it has read its first record — as a Kafka consumer whose partitions are gone does. Spawned by
 * start.failure.test.ts; `PORT`/`HOST`/`START_FAILURE_GRACE` come from its environment.
 */
import {
  AnalyticsStore,
  Database,
  InMemoryLog,
  ObjectStore,
  PinLog,
  PinSource,
  PinSourceError,
  PinStore,
  runProgram
} from "@pinflow/adapters"
import { BatchSettings } from "@pinflow/batch"
import { StartProgram } from "@pinflow/start/StartProgram"
import { runStartWith } from "@pinflow/start/StartRunner"
import { StreamSettings } from "@pinflow/stream"
import { Effect, Layer, Option, Stream } from "effect"
import postgres from "postgres"

const crashMessage = "the partition leader is gone for good"

const CrashingSource = Layer.effect(
  PinSource,
  Effect.gen(function* () {
    const source = yield* PinSource
    return PinSource.of({
      ...source,
      subscribe: (options) =>
        Effect.map(source.subscribe(options), (consumption) =>
          options.group !== "pinflow-stream"
            ? consumption
            : {
                ...consumption,
                records: consumption.records.pipe(
                  Stream.take(1),
                  Stream.concat(
                    Stream.fail(new PinSourceError({ operation: "consume", cause: new Error(crashMessage) }))
                  )
                )
              }
        )
    })
  })
).pipe(Layer.provide(PinSource.layerMemory))

/** The dashboard's database: a client that never connects, since this test asks the dashboard nothing. */
const UnusedDatabase = Database.layerFrom(
  Effect.sync(() => ({ sql: postgres("postgres://127.0.0.1:1/unused"), description: "unused", embedded: false }))
)

const Services = Layer.mergeAll(
  UnusedDatabase,
  PinLog.layerMemoryWith({ linger: 0 }),
  CrashingSource,
  PinStore.layerMemory,
  AnalyticsStore.layerMemory,
  ObjectStore.layerMemory,
  StreamSettings.layer,
  BatchSettings.layer
).pipe(Layer.provide(InMemoryLog.layer))

const choice = { home: ".pinflow-test", kafka: Option.none(), database: Option.none(), bucket: Option.none() }

if (import.meta.main) runProgram(runStartWith(StartProgram(choice, { demo: false, demoRate: 20 }, Services)))
