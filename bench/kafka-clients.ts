/**
 * `npm run bench -- kafka-clients [--quick]`: issue 14 part 3, the Kafka client decided by measurement.
 * kafkajs (pinflow's, with patches/kafkajs+2.2.4.patch) and @platformatic/kafka, each in its own process
 * (bench/kafka-clients/driver.ts) driven the same way: the producer at saturation with the same real rows
 * (the sample cycled, fresh keys, idempotent, acks from all in-sync replicas, 1 MiB sends, one in flight), then each client's
 * consumer draining the same backlog from a fresh group. Each round runs both clients (who goes first
 * alternates) and prints events/s, peak RSS (VmHWM) and the ratio to kafkajs in that round; the summary is
 * the median of the rounds' ratios (the shared machine's load swings more between rounds than within one).
 * @confluentinc/kafka-javascript is not measured: it does not install here (its librdkafka build downloads
 * zlib and OpenSSL sources from outside the package registries).
 */
import { spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Kafka, logLevel } from "kafkajs"
import { quietKafkaJsTimeoutWarning } from "../services/warnings.ts"
import type { BenchOptions } from "./bench.ts"
import { measureGrouping } from "./kafka-clients/grouping.ts"
import { root } from "./process.ts"

quietKafkaJsTimeoutWarning()

const clients = ["kafkajs", "platformatic"] as const
type Client = (typeof clients)[number]
interface Result {
  readonly records: number
  readonly ms: number
  readonly peakMb: number
}

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",")
const partitions = 6

const drive = (client: Client, phase: "produce" | "consume", topic: string, count: number): Result => {
  const out = spawnSync(process.execPath, [`${root}bench/kafka-clients/driver.ts`, client, phase, topic, `${count}`], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 600_000
  })
  const line = out.stdout.trim().split("\n").at(-1) ?? ""
  if (out.status !== 0 || !line.startsWith("{")) throw new Error(`${client} ${phase}: exit ${out.status} ${out.stdout}`)
  return JSON.parse(line) as Result
}

const groupingTable = (quick: boolean) => {
  // 1 MiB of pin rows is ~1,500 messages (PinLog's send), 3 MiB and 10 MiB the larger sends it measured slower
  const rows = measureGrouping(quick ? [1_500, 4_500] : [1_500, 4_500, 15_000], quick ? 5 : 15)
  process.stdout.write(`kafkajs per-partition grouping, CPU per send (6 partitions, median):\n`)
  for (const row of rows)
    process.stdout.write(
      `  ${`${row.messages} messages`.padEnd(16)} unpatched ${row.unpatchedMs.toFixed(2).padStart(8)} ms  ` +
        `patched ${row.patchedMs.toFixed(2).padStart(6)} ms  ${(row.unpatchedMs / row.patchedMs).toFixed(0)}× less\n`
    )
}

export const run = async ({ quick }: BenchOptions): Promise<void> => {
  groupingTable(quick)
  const count = quick ? 50_000 : 200_000
  const rounds = quick ? 1 : 3
  const kafka = new Kafka({ clientId: "bench-kafka-clients", brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const topicOf = (client: Client, round: number) => `bench-clients-${client}-${round}-${randomUUID().slice(0, 8)}`
  const topics = new Map<string, string>()
  for (let round = 0; round < rounds; round++)
    for (const client of clients) topics.set(`${client}${round}`, topicOf(client, round))
  // one topic per request: a metadata refresh right after creating several at once saw UNKNOWN_TOPIC_OR_PARTITION
  for (const topic of topics.values())
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true
    })
  process.stdout.write(
    `kafka-clients bench: Kafka ${brokers.join(",")}, ${count} real pin rows per run, ${partitions} partitions, ` +
      `acks=all, idempotent, 1 MiB sends; ${rounds} round(s), who goes first alternating; each round's ratio is to kafkajs in that round${quick ? " (quick)" : ""}\n`
  )
  type Phase = "produce" | "consume"
  const results: Array<{
    readonly round: number
    readonly phase: Phase
    readonly client: Client
    readonly result: Result
  }> = []
  try {
    for (let round = 0; round < rounds; round++) {
      // who goes first alternates, so a load change on the shared machine does not always favour one client
      const order = round % 2 === 0 ? clients : [...clients].reverse()
      for (const client of order) {
        const result = drive(client, "produce", topics.get(`${client}${round}`) ?? "", count)
        results.push({ round, phase: "produce", client, result })
      }
      // the same backlog for both consumers: what kafkajs produced this round
      for (const client of order) {
        const result = drive(client, "consume", topics.get(`kafkajs${round}`) ?? "", count)
        results.push({ round, phase: "consume", client, result })
      }
    }
  } finally {
    await admin.deleteTopics({ topics: [...topics.values()] }).catch(() => undefined)
    await admin.disconnect()
  }

  const rate = (r: Result) => r.records / (r.ms / 1000)
  const find = (round: number, phase: Phase, client: Client) =>
    results.find((r) => r.round === round && r.phase === phase && r.client === client)?.result
  process.stdout.write(
    `${"round".padEnd(7)}${"phase".padEnd(9)}${"client".padEnd(14)}${"events/s".padStart(10)}${"ratio".padStart(8)}${"peak RSS".padStart(10)}\n`
  )
  const ratios = { produce: [] as Array<number>, consume: [] as Array<number> }
  for (let round = 0; round < rounds; round++)
    for (const phase of ["produce", "consume"] as const) {
      const base = find(round, phase, "kafkajs")
      for (const client of clients) {
        const result = find(round, phase, client)
        if (base === undefined || result === undefined) continue
        const ratio = rate(result) / rate(base)
        if (client === "platformatic") ratios[phase].push(ratio)
        process.stdout.write(
          `${`${round + 1}`.padEnd(7)}${phase.padEnd(9)}${client.padEnd(14)}${rate(result).toFixed(0).padStart(10)}` +
            `${`${ratio.toFixed(2)}×`.padStart(8)}${`${result.peakMb.toFixed(0)} MB`.padStart(10)}\n`
        )
      }
    }
  const median = (values: ReadonlyArray<number>) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  const produceRatio = median(ratios.produce)
  const consumeRatio = median(ratios.consume)
  process.stdout.write(
    `kafka-clients: platformatic/kafkajs, median of the rounds' paired ratios: produce ${produceRatio.toFixed(2)}×, consume ${consumeRatio.toFixed(2)}× ` +
      `[switch only if ≥ 1.5× on both: ${produceRatio >= 1.5 && consumeRatio >= 1.5 ? "yes, then fault and poison tests decide" : "no, keep kafkajs"}]` +
      `${quick ? " (quick: not for publishing)" : ""}\n`
  )
}
