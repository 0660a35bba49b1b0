// Kafka 4.1 single node (KRaft combined mode) from Maven Central jars, run with the machine's Java 17.
import { createHash, randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cacheRoot, kafka as conf, host, stateDir, templatesDir } from "./config.ts"
import { fileExists, runLogged, runSync, spawnDetached, which } from "./process.ts"
import type { Log, Probe, Service } from "./service.ts"

const dir = stateDir("kafka")
const confDir = join(dir, "conf")
const dataDir = join(dir, "data")
const logsDir = join(dir, "logs")
const clusterIdFile = join(dir, "cluster-id")
const installLog = join(dir, "install.log")
const stdoutLog = join(logsDir, "stdout.log")
const serverLog = join(logsDir, "server.log")

const pomFile = join(templatesDir, "kafka", "pom.xml")
/** Jars are cached per content of pom.xml, shared by all checkouts of this user. */
const libsDir = (): string => {
  const hash = createHash("sha256").update(readFileSync(pomFile)).digest("hex").slice(0, 12)
  return join(cacheRoot, "kafka", hash, "libs")
}

const javaCommand = (): string => {
  const home = process.env.JAVA_HOME
  return home !== undefined && home !== "" && fileExists(join(home, "bin", "java")) ? join(home, "bin", "java") : "java"
}

const checkJava = (): void => {
  const java = javaCommand()
  let out: string
  try {
    out = runSync(java, ["-version"]).stderr
  } catch {
    throw new Error(
      `kafka needs Java ${conf.minJava}+ ('${java}' not found): apt-get install -y openjdk-17-jre-headless`
    )
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out)
  const major = m?.[1] === "1" ? Number(m[2]) : Number(m?.[1])
  if (!(major >= conf.minJava))
    throw new Error(`kafka needs Java ${conf.minJava}+, '${java} -version' says: ${out.trim()}`)
}

const install = async (log: Log): Promise<void> => {
  checkJava()
  const libs = libsDir()
  if (fileExists(join(libs, `kafka_2.13-${conf.version}.jar`))) return
  const mvn = which("mvn")
  if (mvn === undefined) throw new Error("kafka's jars come from Maven Central through Maven: apt-get install -y maven")
  log(`kafka: copying Kafka ${conf.version} jars with Maven into ${libs} (first time only)`)
  const tmp = `${libs}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  await runLogged(
    mvn,
    [
      "-B",
      "-q",
      "-Dstyle.color=never",
      "-f",
      pomFile,
      `${conf.dependencyPlugin}:copy-dependencies`,
      "-DincludeScope=runtime",
      `-DoutputDirectory=${tmp}`
    ],
    { cwd: templatesDir, logFile: installLog }
  )
  rmSync(libs, { recursive: true, force: true })
  renameSync(tmp, libs)
}

const render = (template: string, values: Record<string, string>): string =>
  template.replace(/@@([A-Z_]+)@@/g, (_, key: string) => {
    const v = values[key]
    if (v === undefined) throw new Error(`no value for @@${key}@@`)
    return v
  })

const writeConfig = (): string => {
  mkdirSync(confDir, { recursive: true })
  const properties = join(confDir, "server.properties")
  const template = readFileSync(join(templatesDir, "kafka", "server.properties"), "utf8")
  writeFileSync(
    properties,
    render(template, {
      HOST: host,
      PORT: String(conf.port),
      CONTROLLER_PORT: String(conf.controllerPort),
      DATA_DIR: dataDir
    })
  )
  for (const f of ["log4j2.xml", "tools-log4j2.xml"]) {
    writeFileSync(join(confDir, f), readFileSync(join(templatesDir, "kafka", f)))
  }
  return properties
}

/** Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding, never starting with '-'. */
const newClusterId = (): string => {
  for (;;) {
    const id = randomBytes(16).toString("base64url")
    if (!id.startsWith("-")) return id
  }
}

const clusterId = (): string => {
  try {
    const id = readFileSync(clusterIdFile, "utf8").trim()
    if (id !== "") return id
  } catch {}
  let id: string | undefined
  try {
    // formatted before the id file existed: keep the formatted id
    id = /^cluster\.id=(.+)$/m.exec(readFileSync(join(dataDir, "meta.properties"), "utf8"))?.[1]?.trim()
  } catch {}
  const chosen = id ?? newClusterId()
  mkdirSync(dir, { recursive: true })
  writeFileSync(clusterIdFile, `${chosen}\n`)
  return chosen
}

const format = async (properties: string, log: Log): Promise<void> => {
  if (fileExists(join(dataDir, "meta.properties"))) return
  const id = clusterId()
  log(`kafka: formatting ${dataDir} (cluster id ${id}, --standalone)`)
  await runLogged(
    javaCommand(),
    [
      "-Xmx256m",
      `-Dlog4j2.configurationFile=${join(confDir, "tools-log4j2.xml")}`,
      "-cp",
      join(libsDir(), "*"),
      "kafka.tools.StorageTool",
      "format",
      "--standalone",
      "--ignore-formatted",
      "-t",
      id,
      "-c",
      properties
    ],
    { cwd: dir, logFile: installLog }
  )
}

const start = async (log: Log): Promise<number> => {
  const properties = writeConfig()
  await format(properties, log)
  mkdirSync(logsDir, { recursive: true })
  return spawnDetached({
    command: javaCommand(),
    args: [
      `-Xms${conf.heap}`,
      `-Xmx${conf.heap}`,
      "-server",
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-XX:InitiatingHeapOccupancyPercent=35",
      "-XX:+ExplicitGCInvokesConcurrent",
      "-Djava.awt.headless=true",
      `-Dkafka.logs.dir=${logsDir}`,
      `-Dlog4j2.configurationFile=${join(confDir, "log4j2.xml")}`,
      "-cp",
      join(libsDir(), "*"),
      "kafka.Kafka",
      properties
    ],
    cwd: dir,
    logFile: stdoutLog
  })
}

type KafkaJs = typeof import("kafkajs")

const loadKafkaJs = async (): Promise<KafkaJs> => {
  const m = (await import("kafkajs")) as KafkaJs & { default?: KafkaJs }
  return m.default ?? m
}

const client = async (brokers: ReadonlyArray<string>, clientId: string) => {
  const { Kafka, logLevel } = await loadKafkaJs()
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 }
  })
}

/** A real Kafka answer: DescribeCluster (metadata) from the broker. */
export const probeKafka = async (brokers: ReadonlyArray<string>): Promise<Probe> => {
  const admin = (await client(brokers, "pinflow-services-probe")).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return { ok: true, detail: `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)` }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) }
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

/**
 * Creates the group and transaction coordinators' internal topics now (first FindCoordinator /
 * InitProducerId), so the first test does not see "coordinator not available" retries.
 */
const warmUp = async (): Promise<void> => {
  const { Kafka, logLevel } = await loadKafkaJs()
  const kafka = new Kafka({
    clientId: "pinflow-services-warmup",
    brokers: [`${host}:${conf.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 }
  })
  const admin = kafka.admin()
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
  try {
    await admin.connect()
    // after a restart the group coordinator reloads __consumer_offsets: on a busy machine that outlasts
    // kafkajs' own retries ("not the correct coordinator", "coordinator is loading"), so wait up to 60 s
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        await admin.describeGroups(["pinflow-services-warmup"])
        break
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err)
        if (!/coordinator/i.test(text) || Date.now() > deadline) throw err
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
    await producer.connect()
  } finally {
    await producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}

export const kafkaService: Service = {
  name: "kafka",
  port: conf.port,
  processMarker: "kafka.Kafka",
  logFiles: [serverLog, stdoutLog],
  install,
  start,
  probe: () => probeKafka([`${host}:${conf.port}`]),
  prepare: async () => warmUp(),
  signals: { graceful: "SIGTERM", kill: "SIGKILL" }
}
