/**
 * The one-line status `pinflow start` prints every few seconds, read from the same metrics `/metrics`
 * serves: events received at the edge, pins and rejects written by the worker, and the consumer lag.
 */
import { Effect, Metric, Ref, type Schedule } from "effect"

export interface Status {
  readonly accepted: number
  readonly refused: number
  readonly written: number
  /** Geo and user rows written (every type's but the pins'); absent: none. */
  readonly events?: number
  readonly rejects: number
  readonly lag: number
}

const total = (
  snapshots: ReadonlyArray<Metric.Metric.Snapshot>,
  id: string,
  counted: (attributes: Readonly<Record<string, string>>) => boolean = () => true
): number =>
  snapshots.reduce((sum, snapshot) => {
    if (snapshot.id !== id || !counted(snapshot.attributes ?? {})) return sum
    if (snapshot.type === "Counter") return sum + Number(snapshot.state.count)
    if (snapshot.type === "Gauge") return sum + Number(snapshot.state.value)
    return sum
  }, 0)

export const readStatus: Effect.Effect<Status> = Effect.map(Metric.snapshot, (snapshots) => ({
  accepted: total(snapshots, "pinflow_events_accepted_total"),
  refused: total(snapshots, "pinflow_events_rejected_total"),
  written: total(snapshots, "pinflow_pins_written_total"),
  // pins are counted apart: the rows of every other type
  events: total(snapshots, "pinflow_event_rows_written_total", (a) => a.event_type !== "pin"),
  rejects: total(snapshots, "pinflow_rejects_written_total"),
  lag: total(snapshots, "pinflow_consumer_lag")
}))

/** "received 1520 (1500 accepted, 20 refused) · written 1480 pins, 35 rejects · lag 12" (+ "N geo/user rows, " once any) */
export const formatStatus = (status: Status): string =>
  `received ${status.accepted + status.refused} (${status.accepted} accepted, ${status.refused} refused) · ` +
  `written ${status.written} pins, ${status.events ? `${status.events} geo/user rows, ` : ""}${status.rejects} rejects · lag ${status.lag}`

/** Logs the status on every tick of `every` when it changed, and at least every `quietMax` ticks. */
export const statusLine = (every: Schedule.Schedule<unknown>, quietMax = 12) =>
  Effect.gen(function* () {
    const last = yield* Ref.make({ line: "", quiet: 0 })
    yield* Effect.gen(function* () {
      const line = formatStatus(yield* readStatus)
      const previous = yield* Ref.get(last)
      if (line !== previous.line || previous.quiet + 1 >= quietMax) {
        yield* Effect.logInfo(`status: ${line}`)
        yield* Ref.set(last, { line, quiet: 0 })
      } else {
        yield* Ref.set(last, { line, quiet: previous.quiet + 1 })
      }
    }).pipe(Effect.repeat(every))
  }).pipe(Effect.asVoid)
