import { it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { expect } from "vitest"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { startService, stopService } from "../../../test/support/services.ts"
import { awaitReady, kafkaServer, readTopic } from "./kafkaSupport.ts"
import { eventually, postJson, sampleEvent, send } from "./support.ts"

interface Outcome {
  readonly id: string
  readonly status: number
  readonly at: number
}

describeIntegration(
  "ingest while the broker stops and comes back",
  { needs: ["kafka"], controls: ["kafka"] },
  (env) => {
    it.live(
      "clients get 503 with Retry-After during the outage, never a 200 missing from the topic; 200s resume",
      () => {
        const topic = uniqueName("ingest-outage")
        return Effect.gen(function* () {
          yield* awaitReady
          const outcomes: Array<Outcome> = []
          let stop = false
          let n = 0
          const worker = Effect.gen(function* () {
            while (!stop) {
              const id = `outage-${n++}`
              const reply = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: id })))
              // A 503 without Retry-After is recorded as status 0 and fails the final check.
              const status = reply.status === 503 && !(Number(reply.headers.get("retry-after")) > 0) ? 0 : reply.status
              outcomes.push({ id, status, at: yield* Clock.currentTimeMillis })
              if (status !== 200) yield* Effect.sleep("20 millis")
            }
          })
          const load = yield* Effect.forkChild(
            Effect.all(
              Array.from({ length: 8 }, () => worker),
              { concurrency: 8 }
            )
          )
          yield* Effect.sleep("1500 millis")
          yield* Effect.promise(() => stopService("kafka"))
          const stoppedAt = yield* Clock.currentTimeMillis
          // readiness follows the health probe (every 2 s): not ready within a few probes of the outage
          yield* eventually(
            Effect.map(send("/readyz"), (r) => r.status === 503),
            "readyz 503 during the outage",
            "15 seconds",
            "100 millis"
          )
          yield* Effect.sleep("8 seconds")
          expect((yield* send("/readyz")).status).toBe(503)
          // the outage ends when the restart begins: a reconnect may answer 200 before startService returns
          const restartAt = yield* Clock.currentTimeMillis
          yield* Effect.promise(() => startService("kafka"))
          const startedAt = yield* Clock.currentTimeMillis
          // Run until 200s have flowed again for a while (or give up after 60 s).
          for (let i = 0; i < 600; i++) {
            const recent = outcomes.filter((o) => o.at > startedAt && o.status === 200)
            if (recent.length >= 200) break
            yield* Effect.sleep("100 millis")
          }
          stop = true
          yield* Fiber.join(load)

          const count = (xs: ReadonlyArray<Outcome>) =>
            xs.reduce<Record<number, number>>((acc, o) => {
              acc[o.status] = (acc[o.status] ?? 0) + 1
              return acc
            }, {})
          const before = count(outcomes.filter((o) => o.at < stoppedAt))
          const during = count(outcomes.filter((o) => o.at > stoppedAt + 6_000 && o.at < restartAt))
          const after = count(outcomes.filter((o) => o.at > startedAt))
          const phases = JSON.stringify({ before, during, after })
          // By status: some 200s before, only 503s well into the outage, 200s again after, nothing else.
          expect(Object.keys(before), phases).toContain("200")
          expect(Object.keys(during), phases).toEqual(["503"])
          expect(after[200] ?? 0, phases).toBeGreaterThanOrEqual(200)
          expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).length, phases).toBe(0)

          const inTopic = new Set((yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))).map((m) => m.key))
          const acknowledged = outcomes.filter((o) => o.status === 200)
          const missing = acknowledged.filter((o) => !inTopic.has(o.id))
          expect(missing).toEqual([])
          yield* eventually(
            Effect.map(send("/readyz"), (r) => r.status === 200),
            "readyz 200 again",
            "60 seconds",
            "100 millis"
          )
        }).pipe(
          Effect.provide(
            kafkaServer({
              KAFKA_BROKERS: env.kafkaBrokers.join(","),
              PINS_TOPIC: topic,
              KAFKA_PARTITIONS: "3",
              INGEST_ACK_TIMEOUT: "3 seconds"
            })
          ),
          Effect.ensuring(Effect.promise(() => startService("kafka")))
        )
      },
      180_000
    )

    it.live(
      "started while Kafka is down: not ready and 503 down, then it connects by itself when the broker is back",
      () => {
        const topic = uniqueName("ingest-down-at-start")
        const edge = Effect.gen(function* () {
          expect((yield* send("/healthz")).status).toBe(200)
          expect((yield* send("/readyz")).status).toBe(503)
          const down = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "while-down" })))
          expect([down.status, down.headers.get("retry-after"), (down.json as { reason: string }).reason]).toEqual([
            503,
            "5",
            "down"
          ])
          yield* Effect.promise(() => startService("kafka"))
          // nobody restarts the edge: its supervisor reconnects (backoff at most 5 s) and creates the topics
          yield* eventually(
            Effect.map(send("/readyz"), (r) => r.status === 200),
            "ready after the broker came back",
            "60 seconds",
            "100 millis"
          )
          const up = yield* postJson("/pin/", JSON.stringify(sampleEvent({ unique_id: "after-start" })))
          expect(up.status).toBe(200)
          const keys = (yield* Effect.promise(() => readTopic(env.kafkaBrokers, topic))).map((m) => m.key)
          expect(keys).toEqual(["after-start"])
        }).pipe(
          Effect.provide(
            kafkaServer({ KAFKA_BROKERS: env.kafkaBrokers.join(","), PINS_TOPIC: topic, KAFKA_PARTITIONS: "1" })
          )
        )
        return Effect.promise(() => stopService("kafka")).pipe(
          Effect.andThen(edge),
          Effect.ensuring(Effect.promise(() => startService("kafka")))
        )
      },
      120_000
    )
  }
)
