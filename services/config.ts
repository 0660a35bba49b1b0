// Where things live and which versions run. One place for ports, paths and pinned versions.
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export type ServiceName = "kafka" | "postgres" | "gcs"
export const serviceNames: ReadonlyArray<ServiceName> = ["kafka", "postgres", "gcs"]

export const isServiceName = (s: string): s is ServiceName => (serviceNames as ReadonlyArray<string>).includes(s)

/** Repository root (this file is services/config.ts). */
export const repoRoot: string = resolve(fileURLToPath(new URL(".", import.meta.url)), "..")
/** Templates shipped with the repository (pom.xml, server.properties, log4j2 configs). */
export const templatesDir: string = join(repoRoot, "services")
/** Per-checkout state and logs (git-ignored). */
export const stateRoot: string = join(repoRoot, ".services")
export const stateDir = (name: ServiceName): string => join(stateRoot, name)
/** Per-user cache shared by checkouts: Kafka jars, the fake-gcs-server binary. */
export const cacheRoot: string =
  process.env.PINFLOW_SERVICES_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pinflow-services")

export const host = "127.0.0.1"

export const kafka = {
  version: "4.1.2",
  port: 9092,
  controllerPort: 9093,
  heap: "512m",
  /** maven-dependency-plugin pinned: Maven 3.8's default binding is old. */
  dependencyPlugin: "org.apache.maven.plugins:maven-dependency-plugin:3.8.1",
  minJava: 17
} as const

export const postgres = {
  port: 5432,
  user: "pinflow",
  password: "pinflow",
  database: "pinflow",
  /** Superuser of the project-owned cluster (password auth over TCP). */
  superuser: "postgres",
  superuserPassword: "postgres"
} as const

export const gcs = {
  module: "github.com/fsouza/fake-gcs-server",
  version: process.env.PINFLOW_FAKE_GCS_VERSION ?? "v1.56.1",
  port: 4443,
  bucket: "pinflow-test",
  projectId: "pinflow-test"
} as const

/** The variables `env` prints and tests receive (design.md "Configuration"). */
export interface ServicesEnv {
  readonly KAFKA_BROKERS: string
  readonly DATABASE_URL: string
  readonly GCS_ENDPOINT: string
  readonly GCS_BUCKET: string
}

export const defaultEnv: ServicesEnv = {
  KAFKA_BROKERS: `${host}:${kafka.port}`,
  DATABASE_URL: `postgres://${postgres.user}:${postgres.password}@${host}:${postgres.port}/${postgres.database}`,
  GCS_ENDPOINT: `http://${host}:${gcs.port}`,
  GCS_BUCKET: gcs.bucket
}

/** How long `up` waits for a started service to answer. */
export const readyTimeoutMs: Record<ServiceName, number> = { kafka: 90_000, postgres: 60_000, gcs: 30_000 }
/** How long `down` waits after the polite signal before SIGKILL. */
export const stopTimeoutMs: Record<ServiceName, number> = { kafka: 30_000, postgres: 30_000, gcs: 10_000 }
