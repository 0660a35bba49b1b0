/**
 * The shared kafkajs client of every pinflow program. Brokers come from `KAFKA_BROKERS` (comma-separated,
 * default `127.0.0.1:9092`); kafkajs' own logs go to Effect's logger (warn and above); Node 24's cosmetic
 * `TimeoutNegativeWarning` from kafkajs is silenced (services-recipes.md §C1). Building the Layer never
 * touches the network, so a program can start while Kafka is down: `awaitReachable` fails with an error
 * that says what to do, and `probe` is a cheap one-shot check for readiness endpoints. kafkajs is imported
 * when the Layer is built, not with this module: commands without Kafka (`--help`, `sql`, `migrate`, the
 * dashboard) that reach this module through the adapters' index never load it.
 *
 *   const client = yield* KafkaClient
 *   const producer = client.kafka.producer({ idempotent: true })      // producers/consumers: your adapter
 *   yield* client.awaitReachable()                                     // fail fast with a clear message
 *   yield* client.admin("listTopics", (admin) => admin.listTopics())  // scoped admin connection
 */
import { Clock, Config, Context, Data, Duration, Effect, Layer, Option, Schedule } from "effect"
import type { Admin, Kafka, LogEntry } from "kafkajs"
import { ignoreProcessWarnings, type WarningFilter } from "./ProcessWarnings.ts"

/** No broker answered: the message names the configured brokers and how to start one. */
export class KafkaUnreachable extends Data.TaggedError("KafkaUnreachable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** A Kafka operation failed; `operation` says which. */
export class KafkaError extends Data.TaggedError("KafkaError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `Kafka ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface KafkaClientOptions {
  /** Shown in broker logs and quotas, e.g. "pinflow-ingest". */
  readonly clientId: string
}

const defaultBrokers = "127.0.0.1:9092"

/** kafkajs computes a negative timeout while idle (kafkajs#1751); Node clamps it to 1 ms, so it is noise. */
const isTimeoutNegativeWarning: WarningFilter = (warning, type) =>
  type === "TimeoutNegativeWarning" || (warning instanceof Error && warning.name === "TimeoutNegativeWarning")

export class KafkaClient extends Context.Service<
  KafkaClient,
  {
    /** The kafkajs client: create producers and consumers from it. */
    readonly kafka: Kafka
    readonly brokers: ReadonlyArray<string>
    /** Runs `f` with a freshly connected admin client, disconnected afterwards (also on interruption). */
    readonly admin: <A>(operation: string, f: (admin: Admin) => Promise<A>) => Effect.Effect<A, KafkaError>
    /** One quick attempt (default 2 s) to reach a broker. */
    readonly probe: (timeout?: Duration.Input) => Effect.Effect<void, KafkaUnreachable>
    /** Retries until a broker answers or `timeout` (default 10 s) passes. */
    readonly awaitReachable: (timeout?: Duration.Input) => Effect.Effect<void, KafkaUnreachable>
  }
>()("pinflow/adapters/KafkaClient") {
  static readonly layerConfig = (options: KafkaClientOptions) =>
    Layer.effect(
      KafkaClient,
      Effect.gen(function* () {
        const { Kafka: KafkaJs, logLevel } = yield* Effect.promise(() => import("kafkajs"))
        ignoreProcessWarnings("kafkajs TimeoutNegativeWarning", isTimeoutNegativeWarning)
        const configured = yield* Config.option(Config.String("KAFKA_BROKERS"))
        const raw = Option.getOrElse(configured, () => defaultBrokers)
        const shown = Option.isSome(configured) ? `KAFKA_BROKERS=${raw}` : `KAFKA_BROKERS unset (default ${raw})`
        const brokers = raw
          .split(",")
          .map((b) => b.trim())
          .filter((b) => b.length > 0)
        const clock = yield* Clock.Clock
        const context = yield* Effect.context()
        const log = Effect.runForkWith(context)
        // An outage makes kafkajs repeat the same error for every retry: keep one per message per 10 s.
        const lastLogged = new Map<string, number>()
        const logCreator = () => (entry: LogEntry) => {
          const { message, timestamp: _t, logger: _l, stack, ...extra } = entry.log
          const now = clock.currentTimeMillisUnsafe()
          const key = `${entry.namespace}:${message}`
          if ((lastLogged.get(key) ?? 0) > now - 10_000) return
          if (lastLogged.size > 1_000) lastLogged.clear()
          lastLogged.set(key, now)
          const annotated = Effect.annotateLogs({ kafka: entry.namespace, ...extra })
          const logged = entry.level <= logLevel.ERROR ? Effect.logError(message) : Effect.logWarning(message)
          // kafkajs attaches a stack to connection errors: worth reading only when debugging.
          log(annotated(stack === undefined ? logged : Effect.andThen(logged, Effect.logDebug(String(stack)))))
        }
        const kafka = new KafkaJs({
          clientId: options.clientId,
          brokers: [...brokers],
          logLevel: logLevel.WARN,
          logCreator
        })
        // A separate client for probes: no retries and no logs, so a down broker answers fast and quietly.
        const probeKafka = new KafkaJs({
          clientId: `${options.clientId}-probe`,
          brokers: [...brokers],
          logLevel: logLevel.NOTHING,
          connectionTimeout: 1_000,
          retry: { retries: 0 }
        })

        const unreachable = (after: Duration.Input, cause?: unknown) =>
          new KafkaUnreachable({
            message: `${shown}: no broker answered at ${brokers.join(",")} after ${Duration.toSeconds(Duration.fromInputUnsafe(after))} s — is Kafka running? \`npm run services -- up\` starts one`,
            cause
          })

        const withAdmin = <A>(client: Kafka, operation: string, f: (admin: Admin) => Promise<A>) =>
          Effect.acquireUseRelease(
            Effect.sync(() => client.admin()),
            (admin) =>
              Effect.tryPromise({
                try: async () => {
                  await admin.connect()
                  return await f(admin)
                },
                catch: (cause) => new KafkaError({ operation, cause })
              }),
            (admin) => Effect.promise(() => admin.disconnect().catch(() => undefined))
          )

        const probeOnce = (timeout: Duration.Input) =>
          withAdmin(probeKafka, "probe", (admin) => admin.describeCluster()).pipe(
            Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(unreachable(timeout)) }),
            Effect.mapError((e) => (e._tag === "KafkaUnreachable" ? e : unreachable(timeout, e.cause))),
            Effect.asVoid
          )

        return KafkaClient.of({
          kafka,
          brokers,
          admin: (operation, f) => withAdmin(kafka, operation, f),
          probe: (timeout = Duration.seconds(2)) => probeOnce(timeout),
          awaitReachable: (timeout = Duration.seconds(10)) =>
            probeOnce(Duration.seconds(2)).pipe(
              Effect.retry(Schedule.spaced("500 millis")),
              Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(unreachable(timeout)) })
            )
        })
      })
    )

  /** Client id "pinflow"; prefer `layerConfig({ clientId })` so brokers can tell programs apart. */
  static readonly layer = KafkaClient.layerConfig({ clientId: "pinflow" })
}
