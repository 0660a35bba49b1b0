import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, Metric, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { formatStatus, readStatus, statusLine } from "../src/StatusLine.ts"

describe("status line", () => {
  it("formats received, written and lag", () => {
    assert.strictEqual(
      formatStatus({ accepted: 1500, refused: 20, written: 1480, rejects: 35, lag: 12 }),
      "received 1520 (1500 accepted, 20 refused) · written 1480 pins, 35 rejects · lag 12"
    )
    assert.strictEqual(
      formatStatus({ accepted: 1500, refused: 20, written: 1480, events: 960, rejects: 35, lag: 12 }),
      "received 1520 (1500 accepted, 20 refused) · written 1480 pins, 960 geo/user rows, 35 rejects · lag 12"
    )
  })

  it.effect("reads the pipeline's metrics: counters over all labels, the lag gauge", () =>
    Effect.gen(function* () {
      const before = yield* readStatus
      yield* Metric.update(Metric.counter("pinflow_events_accepted_total", { incremental: true }), 3)
      const rejected = Metric.counter("pinflow_events_rejected_total", { incremental: true })
      yield* Metric.update(Metric.withAttributes(rejected, { reason: "schema" }), 2)
      yield* Metric.update(Metric.withAttributes(rejected, { reason: "invalid_json" }), 1)
      yield* Metric.update(Metric.counter("pinflow_pins_written_total", { incremental: true }), 4)
      // as the worker counts them: by event_type, pins too (the status counts those as pins, not again)
      const rows = Metric.counter("pinflow_event_rows_written_total", { incremental: true })
      yield* Metric.update(Metric.withAttributes(rows, { event_type: "pin" }), 4)
      yield* Metric.update(Metric.withAttributes(rows, { event_type: "geo" }), 2)
      yield* Metric.update(Metric.withAttributes(rows, { event_type: "user" }), 4)
      const lag = Metric.gauge("pinflow_consumer_lag")
      yield* Metric.update(Metric.withAttributes(lag, { topic: "status-test", partition: "0" }), 5)
      yield* Metric.update(Metric.withAttributes(lag, { topic: "status-test", partition: "1" }), 7)
      const after = yield* readStatus
      assert.deepStrictEqual(
        {
          accepted: after.accepted - before.accepted,
          refused: after.refused - before.refused,
          written: after.written - before.written,
          events: (after.events ?? 0) - (before.events ?? 0),
          lag: after.lag - before.lag
        },
        { accepted: 3, refused: 3, written: 4, events: 6, lag: 12 }
      )
    })
  )

  it.effect("logs a line when the status changed, and at least every quietMax ticks", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.make(({ message }) => {
        lines.push(String(Array.isArray(message) ? message[0] : message))
      })
      const fiber = yield* Effect.forkChild(
        statusLine(Schedule.spaced("5 seconds"), 3).pipe(Effect.provide(Logger.layer([capture])))
      )
      const tick = Effect.gen(function* () {
        yield* TestClock.adjust("5 seconds")
        for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      })
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      assert.strictEqual(lines.length, 1, "the first status")
      yield* tick
      yield* tick
      assert.strictEqual(lines.length, 1, "unchanged: quiet")
      yield* tick
      assert.strictEqual(lines.length, 2, "unchanged for quietMax ticks: logged again")
      yield* Metric.update(Metric.counter("pinflow_pins_written_total", { incremental: true }), 1)
      yield* tick
      assert.strictEqual(lines.length, 3, "changed: logged at the next tick")
      assert.isTrue(lines.every((line) => line.startsWith("status: received ")))
      yield* Fiber.interrupt(fiber)
    })
  )
})
