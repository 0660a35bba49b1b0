// What each service module (kafka.ts, postgres.ts, gcs.ts) provides to the generic up/down/status logic.
import type { ServiceName } from "./config.ts"

/** A probe's answer: the service answered for real (detail says what), or why not. */
export type Probe = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly error: string }

export type Log = (line: string) => void

export type StopMode = "graceful" | "kill"

export interface Service {
  readonly name: ServiceName
  /** The port clients use. */
  readonly port: number
  /** A string that appears in the command line of the process `start` launches (pid-reuse guard). */
  readonly processMarker: string
  /** Log files to point at when something goes wrong. */
  readonly logFiles: ReadonlyArray<string>
  /** Installs what is missing (cached; fast when already there). */
  readonly install: (log: Log) => Promise<void>
  /** Launches the process detached and returns its pid (not waiting for readiness). */
  readonly start: (log: Log) => Promise<number>
  /** A real request to the service. */
  readonly probe: () => Promise<Probe>
  /** Idempotent set-up once it answers (bucket, role and database, coordinator warm-up). */
  readonly prepare: (log: Log, managed: boolean) => Promise<void>
  /** Signal for a polite stop, and for a crash-like stop. */
  readonly signals: Readonly<Record<StopMode, NodeJS.Signals>>
}
