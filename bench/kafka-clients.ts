/**
 * `npm run bench -- kafka-clients [--quick]`: issue 14 part 3, the Kafka client decided by measurement.
 * kafkajs (pinflow's, with patches/kafkajs+2.2.4.patch) and @platformatic/kafka, each in its own process
 * (bench/kafka-clients/driver.ts) driven the same way: the producer at saturation with the same real rows
 * (fresh keys, idempotent, acks from all in-sync replicas, 1 MiB sends, one in flight), then each client's
 * consumer draining the same backlog from a fresh group. Clients alternate per round; the best round of each
 * is printed with its peak RSS (VmHWM) and the ratio to kafkajs in the same run.
 * @confluentinc/kafka-javascript is not measured: it does not install here (its librdkafka build downloads
 * zlib and OpenSSL sources from outside the package registries).
 */
import { spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Kafka, logLevel } from "kafkajs"
import type { BenchOptions } from "./bench.ts"
import { measureGrouping } from "./kafka-clients/grouping.ts"
import { root } from "./process.ts"

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
  const count = quick ? 50_000 : 300_000
  const rounds = quick ? 1 : 2
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
      `acks=all, idempotent, 1 MiB sends; ${rounds} round(s), clients alternating; best round shown${quick ? " (quick)" : ""}\n`
  )
  const best = { produce: new Map<Client, Result>(), consume: new Map<Client, Result>() }
  const keep = (phase: "produce" | "consume", client: Client, result: Result) => {
    const seen = best[phase].get(client)
    if (seen === undefined || result.ms < seen.ms) best[phase].set(client, result)
  }
  try {
    for (let round = 0; round < rounds; round++) {
      for (const client of clients)
        keep("produce", client, drive(client, "produce", topics.get(`${client}${round}`) ?? "", count))
      // the same backlog for both consumers: what kafkajs produced this round
      for (const client of clients)
        keep("consume", client, drive(client, "consume", topics.get(`kafkajs${round}`) ?? "", count))
    }
  } finally {
    await admin.deleteTopics({ topics: [...topics.values()] }).catch(() => undefined)
    await admin.disconnect()
  }

  const rate = (r: Result | undefined) => (r === undefined ? 0 : r.records / (r.ms / 1000))
  process.stdout.write(
    `${"client".padEnd(14)}${"phase".padEnd(9)}${"events/s".padStart(11)}${"ratio".padStart(8)}${"peak RSS".padStart(11)}\n`
  )
  const ratios = new Map<Client, Array<number>>()
  for (const phase of ["produce", "consume"] as const) {
    const base = rate(best[phase].get("kafkajs"))
    for (const client of clients) {
      const result = best[phase].get(client)
      const ratio = base > 0 ? rate(result) / base : 0
      ratios.set(client, [...(ratios.get(client) ?? []), ratio])
      process.stdout.write(
        `${client.padEnd(14)}${phase.padEnd(9)}${rate(result).toFixed(0).padStart(11)}${`${ratio.toFixed(2)}×`.padStart(8)}` +
          `${`${(result?.peakMb ?? 0).toFixed(0)} MB`.padStart(11)}\n`
      )
    }
  }
  const [produceRatio = 0, consumeRatio = 0] = ratios.get("platformatic") ?? []
  process.stdout.write(
    `kafka-clients: platformatic/kafkajs produce ${produceRatio.toFixed(2)}×, consume ${consumeRatio.toFixed(2)}× ` +
      `[switch only if ≥ 1.5× on both: ${produceRatio >= 1.5 && consumeRatio >= 1.5 ? "yes, then fault and poison tests decide" : "no, keep kafkajs"}]` +
      `${quick ? " (quick: not for publishing)" : ""}\n`
  )
}
