// npm run services -- up | down | restart | status | env  [kafka|postgres|gcs …]
// Development and test services, started by the project itself (no Docker): see services/README.md.
import type { ServiceName } from "./config.ts"
import { defaultEnv, host, isServiceName, serviceNames, stateRoot } from "./config.ts"
import { down, restart, status, up } from "./manager.ts"
import { quietKafkaJsTimeoutWarning } from "./warnings.ts"

const usage = `Usage: npm run services -- <command> [service …]

  up [service …]        start (installing on first use) and wait until each answers; idempotent
  down [service …]      stop what up started (pid files under .services/<name>/pid); --kill for a crash-like stop
  restart <service …>   down then up
  status [service …]    pid, port and whether each answers (exit 3 when one does not)
  env                   export lines for KAFKA_BROKERS, DATABASE_URL, GCS_ENDPOINT, GCS_BUCKET
                        (eval "$(npm run -s services -- env)")

Services: ${serviceNames.join(", ")} (default: all). State and logs: ${stateRoot}`

const exportLines = (): string =>
  Object.entries(defaultEnv)
    .map(([k, v]) => `export ${k}=${v}`)
    .join("\n")

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [command, ...rest] = argv
  const flags = rest.filter((a) => a.startsWith("-"))
  const names = rest.filter((a) => !a.startsWith("-"))
  const unknown = names.filter((n) => !isServiceName(n))
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(usage)
    return command === undefined ? 2 : 0
  }
  if (unknown.length > 0) {
    console.error(`unknown service ${unknown.join(", ")}; known: ${serviceNames.join(", ")}`)
    return 2
  }
  const selected = names as ReadonlyArray<ServiceName>
  const log = (line: string) => console.error(line)
  quietKafkaJsTimeoutWarning()
  switch (command) {
    case "up": {
      const t0 = Date.now()
      const results = await up(selected, log)
      for (const r of results) {
        const what = r.state === "external" ? "answering (not started by services)" : `${r.state}, pid ${r.pid}`
        console.log(`${r.name.padEnd(9)} ${what} (${(r.ms / 1000).toFixed(1)} s)`)
      }
      console.log(`services up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      return 0
    }
    case "down": {
      const results = await down(selected, flags.includes("--kill") ? "kill" : "graceful")
      for (const r of results) {
        const what =
          r.state === "external"
            ? "answering but not started by services: left alone"
            : r.state === "not-running"
              ? "not running"
              : `${r.state} (pid ${r.pid})`
        console.log(`${r.name.padEnd(9)} ${what}`)
      }
      return 0
    }
    case "restart": {
      if (selected.length === 0) {
        console.error("restart needs service names, e.g. restart postgres")
        return 2
      }
      for (const r of await restart(selected, log)) {
        console.log(`${r.name.padEnd(9)} ${r.state}${"pid" in r ? `, pid ${r.pid}` : ""}`)
      }
      return 0
    }
    case "status": {
      const results = await status(selected)
      if (flags.includes("--json")) console.log(JSON.stringify(results, null, 2))
      else {
        for (const r of results) {
          const owner = r.pid !== undefined ? `pid ${r.pid}` : r.probe.ok ? "not ours" : "stopped"
          const answer = r.probe.ok ? `answers: ${r.probe.detail}` : `not answering: ${r.probe.error}`
          console.log(`${r.name.padEnd(9)} ${owner.padEnd(10)} ${host}:${r.port}  ${answer}`)
        }
      }
      return results.every((r) => r.probe.ok) ? 0 : 3
    }
    case "env":
      console.log(exportLines())
      return 0
    default:
      console.error(`unknown command ${command}\n\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exitCode = 1
  }
)
