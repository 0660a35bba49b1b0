// `node packages/ingest/src/main.ts` on a real broker, stopped by SIGTERM while clients post: requests in
// flight are finished with 200, every 200 is in Kafka, the process exits 0.
import { expect, it } from "vitest"
import { freePort } from "../../../test/support/freePort.ts"
import { describeIntegration, uniqueName } from "../../../test/support/integration.ts"
import { spawnProgram, waitForReady } from "../../../test/support/spawnProgram.ts"
import { readTopic } from "./kafkaSupport.ts"
import { sampleEvent } from "./support.ts"

interface Outcome {
  readonly id: string
  /** 0: no answer (the connection was refused or closed) */
  readonly status: number
  readonly startedBeforeSignal: boolean
  readonly answeredAfterSignal: boolean
}

describeIntegration("ingest stopped by SIGTERM under load", ["kafka"], (env) => {
  it("finishes the requests in flight, every 200 is in the topic, exit code 0", async () => {
    const topic = uniqueName("ingest-sigterm")
    const port = await freePort()
    const edge = spawnProgram("packages/ingest/src/main.ts", [], {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      KAFKA_BROKERS: env.kafkaBrokers.join(","),
      PINS_TOPIC: topic,
      KAFKA_PARTITIONS: "3",
      LOG_LEVEL: "Warning"
    })
    const base = `http://127.0.0.1:${port}`
    await waitForReady(edge, `${base}/readyz`, "the edge")

    const outcomes: Array<Outcome> = []
    let signalled = false
    let inFlight = 0
    let n = 0
    let enoughInFlight: () => void = () => undefined
    const loaded = new Promise<void>((resolve) => {
      enoughInFlight = resolve
    })
    const client = async () => {
      while (true) {
        const id = `sigterm-${n++}`
        const startedBeforeSignal = !signalled
        inFlight += 1
        if (inFlight >= 8 && n > 200) enoughInFlight()
        const status = await fetch(`${base}/pin/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(sampleEvent({ unique_id: id }))
        }).then(
          async (r) => {
            await r.arrayBuffer()
            return r.status
          },
          () => 0
        )
        inFlight -= 1
        outcomes.push({ id, status, startedBeforeSignal, answeredAfterSignal: signalled })
        if (status === 0 && signalled) return
      }
    }
    const clients = Promise.all(Array.from({ length: 8 }, client))
    await loaded
    signalled = true
    const signalledAt = performance.now()
    edge.child.kill("SIGTERM")
    const code = await edge.exited
    const stoppedAfter = performance.now() - signalledAt
    await clients

    const phases = JSON.stringify({
      statuses: [...new Set(outcomes.map((o) => o.status))],
      total: outcomes.length,
      finishedAfterSignal: outcomes.filter((o) => o.startedBeforeSignal && o.answeredAfterSignal).map((o) => o.status)
    })
    expect(code, edge.output()).toBe(0)
    // busy keep-alive connections are told to close once shutdown begins, so the edge does not wait out
    // its 10 s grace period for clients that never leave a connection idle
    expect(stoppedAfter, phases).toBeLessThan(5_000)
    // the requests in flight when the signal came were finished with 200; a request that met a keep-alive
    // connection the server was closing gets no answer at all (never a 200 the log does not hold)
    const inFlightAtSignal = outcomes.filter((o) => o.startedBeforeSignal && o.answeredAfterSignal && o.status !== 0)
    expect(inFlightAtSignal.length, phases).toBeGreaterThan(0)
    expect(
      inFlightAtSignal.filter((o) => o.status !== 200),
      phases
    ).toEqual([])
    // nothing else than 200, 503 (shutting down) or no answer at all
    expect(
      outcomes.filter((o) => ![200, 503, 0].includes(o.status)),
      phases
    ).toEqual([])
    const acknowledged = outcomes.filter((o) => o.status === 200).map((o) => o.id)
    const inTopic = new Set((await readTopic(env.kafkaBrokers, topic)).map((m) => m.key))
    expect(acknowledged.filter((id) => !inTopic.has(id))).toEqual([])
    expect(acknowledged.length).toBeGreaterThan(100)
  }, 120_000)
})
