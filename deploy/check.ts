// npm run deploy:check — builds the image (Containerfile) with podman and runs deploy/k8s/*.yaml with
// `podman kube play` against the development services (npm run services -- env), then checks what the
// README's "Deploy" section promises: the sample rows land through the containerised edge and worker, a
// rolling restart (SIGTERM to each pod) exits 0 and loses no acknowledged event, and the edge at
// saturation stays inside its memory limit (no OOM kill). Where podman cannot run it skips with the reason
// (exit 0), except under CI (any truthy CI), where that is a failure.
//
// Environment: DEPLOY_BASE = an image with Node 24 and npm (default: a local one built from debootstrap +
// this repository's Node binary + npm, cached in PINFLOW_CACHE, default ~/.cache/pinflow);
// DEPLOY_SATURATION = seconds of load on the edge (default 15). Needs root (podman with runc, debootstrap).
import { execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { homedir, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { cleanPinLine, type EventType, geoEvent, userEvent } from "@pinflow/domain"
import postgres from "postgres"
import { parseAllDocuments } from "yaml"
import { defaultEnv } from "../services/config.ts"
import { isCI } from "../test/support/ci.ts"

// autocannon ships no types: the part used here
type Autocannon = (options: {
  readonly url: string
  readonly method: "POST"
  readonly headers: Record<string, string>
  readonly body: string
  readonly connections: number
  readonly duration: number
}) => Promise<{ readonly "2xx": number; readonly non2xx: number; readonly errors: number }>
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon

const run = promisify(execFile)
const repo = fileURLToPath(new URL("..", import.meta.url))
const cache = process.env.PINFLOW_CACHE ?? join(homedir(), ".cache", "pinflow")
const dataDir = join(repo, "..", "shared", "data")
const samplePath = join(dataDir, "pins-sample.ndjson")
/** Rows of the geo and user samples posted through the edge (the pins' sample is posted whole). */
const otherTypeRows = 10
const saturationSeconds = Number(process.env.DEPLOY_SATURATION ?? "15")
const id = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`
const image = `localhost/pinflow:check-${id}`
const t0 = performance.now()
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1)
const say = (line: string) => console.log(`deploy:check [${seconds(t0)} s] ${line}`)

class Skip extends Error {}
const fail = (message: string): never => {
  throw new Error(message)
}

// crun's default rlimits are refused here and it does not handle this kernel's hybrid cgroups: runc, no
// default ulimits (verified-notes.md "Containers without Docker")
const containersConf = join(cache, "containers.conf")
const podmanEnv = { ...process.env, CONTAINERS_CONF: containersConf }
const podman = async (args: ReadonlyArray<string>, input?: string): Promise<string> => {
  const child = spawn("podman", ["--runtime", "runc", ...args], { env: podmanEnv })
  let out = ""
  let err = ""
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString()
  })
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString()
  })
  if (input !== undefined) child.stdin.end(input)
  else child.stdin.end()
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
  if (code !== 0) fail(`podman ${args.join(" ")} exited ${code}: ${err.trim().split("\n").slice(-5).join(" | ")}`)
  return out.trim()
}
/** Streams its output (long builds) and resolves once it exits 0. */
const loud = async (command: string, args: ReadonlyArray<string>, options: { cwd?: string } = {}) => {
  const child = spawn(command, args, { env: podmanEnv, stdio: ["ignore", "inherit", "inherit"], ...options })
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
  if (code !== 0) fail(`${command} ${args.join(" ")} exited ${code}`)
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const waitFor = async <A>(what: string, ms: number, probe: () => Promise<A | undefined>): Promise<A> => {
  const until = performance.now() + ms
  let last: unknown
  while (performance.now() < until) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return fail(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (${String(last)})` : ""}`)
}

// --- can podman run here?
const preflight = async () => {
  for (const tool of ["podman", "runc"]) {
    await run("sh", ["-c", `command -v ${tool}`]).catch(() => {
      throw new Skip(`${tool} is not installed (Debian: apt-get install podman runc debootstrap)`)
    })
  }
  if (process.getuid?.() !== 0) throw new Skip("needs root (podman with runc and host networking, debootstrap)")
  mkdirSync(cache, { recursive: true })
  writeFileSync(containersConf, "[containers]\ndefault_ulimits = []\n")
  await podman(["info", "--format", "{{.Host.OCIRuntime.Name}}"]).catch((e: Error) => {
    throw new Skip(`podman cannot run here: ${e.message}`)
  })
}

// --- the base: debootstrap (cached) + Node 24 + npm, laid out like the official image (/usr/local)
const localBase = async (): Promise<string> => {
  const node = join(repo, "node_modules", "node", "bin", "node")
  if (!existsSync(node)) fail(`no Node binary at ${node} (npm ci installs the node@24 devDependency)`)
  const nodeVersion = (await run(node, ["--version"])).stdout.trim()
  if (!nodeVersion.startsWith("v24.")) fail(`${node} is ${nodeVersion}, not Node 24`)
  // npm's own files (the npm running this script) go into the base beside Node
  const npmCli = process.env.npm_execpath ?? ""
  if (!npmCli.endsWith("npm-cli.js")) fail("run it through npm (npm run deploy:check): npm's files go into the base")
  const npmDir = dirname(dirname(npmCli))
  const npmVersion = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8")).version as string
  const caBundle = process.env.NODE_EXTRA_CA_CERTS ?? "/etc/ssl/certs/ca-certificates.crt"
  if (!existsSync(caBundle)) fail(`no CA bundle at ${caBundle} (set NODE_EXTRA_CA_CERTS)`)
  const tag = `localhost/pinflow-base:node${nodeVersion.slice(1)}-npm${npmVersion}`
  if (
    await run("podman", ["image", "exists", tag], { env: podmanEnv }).then(
      () => true,
      () => false
    )
  )
    return tag

  const rootfs = join(cache, "debian-bookworm-minbase")
  if (!existsSync(rootfs)) {
    await run("sh", ["-c", "command -v debootstrap"]).catch(() => {
      throw new Skip("debootstrap is not installed (apt-get install debootstrap)")
    })
    const started = performance.now()
    const partial = `${rootfs}.partial`
    rmSync(partial, { recursive: true, force: true })
    await loud("debootstrap", ["--variant=minbase", "bookworm", partial])
    // what a container never needs: package lists and caches, documentation, locales
    await run("sh", [
      "-c",
      `cd ${partial} && rm -rf var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/* var/log/*`
    ])
    renameSync(partial, rootfs)
    say(`debootstrap base made in ${seconds(started)} s (cached in ${rootfs})`)
  }
  const debian = "localhost/debian-minbase:bookworm"
  if (
    !(await run("podman", ["image", "exists", debian], { env: podmanEnv }).then(
      () => true,
      () => false
    ))
  ) {
    await loud("sh", [
      "-c",
      `tar -C ${rootfs} -c . | podman --runtime runc import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - ${debian}`
    ])
  }
  const context = join(tmpdir(), `pinflow-base-${id}`)
  mkdirSync(context, { recursive: true })
  try {
    await run("cp", ["-a", node, join(context, "node")])
    await run("cp", ["-a", npmDir, join(context, "npm")])
    // this machine's trust store (the registry may sit behind a proxy with its own CA), as a company's
    // base image would carry it; the official image needs nothing of the kind
    await run("cp", ["-L", caBundle, join(context, "ca-certificates.crt")])
    writeFileSync(
      join(context, "Containerfile"),
      [
        `FROM ${debian}`,
        "COPY node /usr/local/bin/node",
        "COPY npm /usr/local/lib/node_modules/npm",
        "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
        "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
        "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version",
        ""
      ].join("\n")
    )
    await loud("podman", ["--runtime", "runc", "build", "-q", "-t", tag, context])
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
  return tag
}

// --- the manifests, made runnable here: this run's image, names, topic, schema and ports; host network
interface Ports {
  readonly edge: number
  readonly stream: number
  readonly batch: number
}
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, read as parsed YAML
type Manifest = any
const manifests = (ports: Ports, settings: Record<string, string>, secretName: string) => {
  const docs: Manifest[] = []
  for (const file of ["config.yaml", "edge.yaml", "stream.yaml", "batch.yaml"]) {
    for (const doc of parseAllDocuments(readFileSync(join(repo, "deploy", "k8s", file), "utf8"))) {
      if (doc.errors.length > 0) fail(`deploy/k8s/${file}: ${doc.errors[0]?.message}`)
      docs.push(doc.toJS())
    }
  }
  const portOf: Record<string, number> = { edge: ports.edge, stream: ports.stream, batch: ports.batch }
  const out: Manifest[] = []
  for (const doc of docs) {
    if (doc.kind === "ConfigMap") {
      out.push({ ...doc, metadata: { name: `${doc.metadata.name}-${id}` }, data: { ...doc.data, ...settings } })
    } else if (doc.kind === "Secret") {
    } else if (doc.kind === "Deployment") {
      const spec = doc.spec.template.spec
      const container = spec.containers[0]
      const port = portOf[container.name] ?? fail(`unknown container ${container.name}`)
      const declared = container.ports[0].containerPort as number
      const renumber = (p: number) => (p === declared ? port : p)
      container.image = image
      container.env = container.env.map((e: { name: string; value: string }) =>
        e.value === String(declared) ? { ...e, value: String(port) } : e
      )
      // on the host network the program's port is the host's: podman refuses port mappings there
      delete container.ports
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        if (container[probe]?.httpGet) container[probe].httpGet.port = renumber(container[probe].httpGet.port)
      }
      container.envFrom = container.envFrom.map((from: Manifest) =>
        from.configMapRef
          ? { configMapRef: { name: `${from.configMapRef.name}-${id}` } }
          : { secretRef: { name: secretName } }
      )
      // one pod each: on the host network two replicas would share a port
      doc.spec.replicas = 1
      spec.hostNetwork = true
      doc.metadata.name = `${doc.metadata.name}-${id}`
      out.push(doc)
    }
  }
  return out
}

const sample = () => {
  if (!existsSync(samplePath)) {
    if (isCI()) fail(`sample data not found at ${samplePath}; CI must have it`)
    throw new Skip(`sample data not found at ${samplePath}`)
  }
  const lines = readFileSync(samplePath, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
  const clean = new Set<string>()
  for (const line of lines) {
    const outcome = cleanPinLine(line)
    if (outcome._tag === "Success") clean.add(outcome.success.unique_id)
  }
  return { lines, cleanIds: clean }
}

/** The V8 flags each program needs to stay inside its memory limit (README "Configuration"). */
const v8Budgets: Record<string, Record<string, string>> = {
  edge: { "max-semi-space-size": "4", "heap-growing-percent": "100", "max-old-space-size": "96" },
  stream: { "max-semi-space-size": "4", "max-old-space-size": "128" },
  batch: { "max-semi-space-size": "2", "max-old-space-size": "128" }
}

/**
 * The `--name=value` flags node runs with: NODE_OPTIONS first, then node's own arguments (up to the script),
 * which win — as V8 applies them.
 */
const effectiveV8Flags = (cmdline: string, nodeOptions: string): Map<string, string> => {
  const args = cmdline.trim().split(" ").slice(1)
  const script = args.findIndex((a) => !a.startsWith("-"))
  const own = script < 0 ? args : args.slice(0, script)
  const flags = new Map<string, string>()
  for (const arg of [...nodeOptions.trim().split(/\s+/), ...own]) {
    const match = /^--([a-z0-9-]+)=(.*)$/.exec(arg)
    if (match?.[1] !== undefined && match[2] !== undefined) flags.set(match[1].replace(/_/g, "-"), match[2])
  }
  return flags
}

/** The first rows of a type's sample and the keys of its distinct clean rows: what must land in its table. */
const typeSample = (type: EventType, file: string) => {
  const path = join(dataDir, file)
  if (!existsSync(path)) {
    if (isCI()) fail(`sample data not found at ${path}; CI must have it`)
    throw new Skip(`sample data not found at ${path}`)
  }
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .slice(0, otherTypeRows)
  const keys = new Set<string>()
  for (const line of lines) {
    const outcome = type.cleanPostedLine(line)
    if (outcome._tag === "Success") keys.add(String((outcome.success as Record<string, unknown>)[type.table.key]))
  }
  return { type, lines, keys }
}

const main = async () => {
  await preflight()
  try {
    await checkDeployment()
  } finally {
    // also after a failure before the pods ran (a check of the image itself)
    await podman(["rmi", "--force", image]).catch(() => {})
  }
}

const checkDeployment = async () => {
  const { lines, cleanIds } = sample()
  const otherSamples = [typeSample(geoEvent, "geo-sample.ndjson"), typeSample(userEvent, "users-sample.ndjson")]
  const started = performance.now()
  const base = process.env.DEPLOY_BASE ?? (await localBase())
  say(`base ${base} ready in ${seconds(started)} s`)

  const buildStarted = performance.now()
  await loud(
    "podman",
    [
      "--runtime",
      "runc",
      "build",
      "--network",
      "host",
      "--build-arg",
      `BASE=${base}`,
      "-t",
      image,
      "-f",
      "Containerfile",
      "."
    ],
    { cwd: repo }
  )
  const buildSeconds = seconds(buildStarted)
  const size = Number(await podman(["image", "inspect", image, "--format", "{{.Size}}"]))
  const user = await podman(["image", "inspect", image, "--format", "{{.Config.User}}"])
  if (user === "" || user.startsWith("0") || user.startsWith("root")) fail(`the image runs as ${user || "root"}`)
  // no dev dependencies, tests or benchmarks in the image
  const strays = await podman([
    "run",
    "--rm",
    "--entrypoint",
    "/bin/sh",
    image,
    "-c",
    "ls -d node_modules/vitest node_modules/typescript node_modules/@biomejs node_modules/node packages/*/test bench test 2>/dev/null || true"
  ])
  if (strays !== "") fail(`the image holds what the programs do not need: ${strays.replace(/\n/g, ", ")}`)
  say(`image ${image}: ${(size / 1e6).toFixed(0)} MB, built in ${buildSeconds} s, user ${user}`)

  const services = { ...defaultEnv, ...pick(process.env, Object.keys(defaultEnv)) }
  const schema = `deploy_check_${id}`
  const topic = `deploy-check-${id}`
  const settings: Record<string, string> = {
    KAFKA_BROKERS: services.KAFKA_BROKERS,
    PINS_TOPIC: topic,
    KAFKA_REPLICATION_FACTOR: "1",
    GCS_BUCKET: services.GCS_BUCKET,
    GCS_ENDPOINT: services.GCS_ENDPOINT,
    ARCHIVE_PREFIX: `deploy-check-${id}/`,
    DATABASE_SCHEMA: schema,
    STREAM_GROUP: `deploy-check-stream-${id}`,
    BATCH_GROUP: `deploy-check-archive-${id}`
  }
  const ports = { edge: await freePort(), stream: await freePort(), batch: await freePort() }
  const secretName = `pinflow-secrets-${id}`
  const kubeFile = join(tmpdir(), `pinflow-deploy-${id}.json`)
  const secretFile = join(tmpdir(), `pinflow-secret-${id}.json`)
  const secretDoc = podmanSecret({ DATABASE_URL: services.DATABASE_URL, INGEST_API_KEY: "" })
  const docs = manifests(ports, settings, secretName)
  writeFileSync(kubeFile, docs.map((d) => JSON.stringify(d)).join("\n---\n"))
  const sql = postgres(services.DATABASE_URL, { max: 2, onnotice: () => {} })
  let played = false
  try {
    writeFileSync(secretFile, secretDoc, { mode: 0o600 })
    await podman(["secret", "create", secretName, secretFile])
    rmSync(secretFile, { force: true })
    const playStarted = performance.now()
    // a failed play can leave pods behind: kube down from here on
    played = true
    await podman(["kube", "play", kubeFile])
    const edge = `http://127.0.0.1:${ports.edge}`
    await waitFor("the edge's /readyz", 90_000, async () => ((await fetch(`${edge}/readyz`)).ok ? true : undefined))
    await waitFor("the worker's /healthz", 90_000, async () =>
      (await fetch(`http://127.0.0.1:${ports.stream}/healthz`)).ok ? true : undefined
    )
    say(
      `pods up and ready in ${seconds(playStarted)} s (edge :${ports.edge}, worker :${ports.stream}, batch :${ports.batch})`
    )

    // 1. the sample through the containerised edge and worker
    const posted = await fetch(`${edge}/pins`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${lines.join("\n")}\n`
    })
    if (posted.status !== 200) fail(`POST /pins answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`)
    const countPins = async () => (await sql`select count(*)::int as n from ${sql(schema)}.pins`)[0]?.n as number
    const landStarted = performance.now()
    await waitFor(`${cleanIds.size} sample pins in ${schema}.pins`, 60_000, async () =>
      (await countPins()) === cleanIds.size ? true : undefined
    )
    const landedIds = new Set((await sql`select unique_id from ${sql(schema)}.pins`).map((r) => r.unique_id as string))
    for (const clean of cleanIds) if (!landedIds.has(clean)) fail(`clean pin ${clean} did not land`)
    say(
      `sample: ${lines.length} rows posted, all ${cleanIds.size} distinct clean pins landed in ${seconds(landStarted)} s`
    )

    // 1b. geo and user rows through the same edge and worker: each lands in its own table
    for (const { type, lines: rows, keys } of otherSamples) {
      const answer = await fetch(`${edge}/${type.plural}`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: `${rows.join("\n")}\n`
      })
      if (answer.status !== 200)
        fail(`POST /${type.plural} answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`)
      const keyColumn = sql(type.table.key)
      const typeStarted = performance.now()
      await waitFor(`${keys.size} sample ${type.name} rows in ${schema}.${type.table.name}`, 60_000, async () =>
        (await sql`select count(*)::int as n from ${sql(schema)}.${sql(type.table.name)}`)[0]?.n === keys.size
          ? true
          : undefined
      )
      const landed = new Set(
        (await sql`select ${keyColumn}::text as k from ${sql(schema)}.${sql(type.table.name)}`).map(
          (r) => r.k as string
        )
      )
      for (const key of keys) if (!landed.has(key)) fail(`clean ${type.name} row ${key} did not land`)
      say(
        `sample: ${rows.length} ${type.name} rows posted to /${type.plural}, all ${keys.size} distinct clean rows landed in ${schema}.${type.table.name} in ${seconds(typeStarted)} s`
      )
    }

    // 2. rolling restart under traffic: every acknowledged event lands
    const cleanLine = lines.find((l) => cleanPinLine(l)._tag === "Success") ?? fail("no clean row in the sample")
    const acked = new Set<string>()
    let stop = false
    let sent = 0
    const poster = (async () => {
      while (!stop) {
        const uniqueId = `deploy-${id}-${sent++}`
        const line = JSON.parse(cleanLine) as Record<string, unknown>
        const body = JSON.stringify({ ...line, unique_id: uniqueId })
        // a client behind a load balancer: retry what was not acknowledged
        for (;;) {
          const ok = await fetch(`${edge}/pin/`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body
          })
            .then((r) => r.status === 200)
            .catch(() => false)
          if (ok) break
          await new Promise((r) => setTimeout(r, 100))
        }
        acked.add(uniqueId)
      }
    })()
    const pods = await podman(["pod", "ps", "--filter", `name=-${id}`, "--format", "{{.Name}}"])
    const podOf = (component: string) =>
      pods.split("\n").find((p) => p.startsWith(`pinflow-${component}-${id}`)) ??
      fail(`no ${component} pod in: ${pods}`)
    const containerOf = async (pod: string) =>
      (await podman(["ps", "-a", "--filter", `pod=${pod}`, "--format", "{{.Names}}"]))
        .split("\n")
        .find((n) => !n.endsWith("-infra")) ?? fail(`no container in ${pod}`)
    const exitOf = async (container: string) =>
      podman(["inspect", container, "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}"])
    // what podman knows of a container that stopped unexpectedly (a kill with no OOM flag has no other trace)
    const stateOf = (container: string) =>
      podman([
        "inspect",
        container,
        "--format",
        "status {{.State.Status}}, exit code {{.State.ExitCode}}, OOMKilled {{.State.OOMKilled}}, error {{.State.Error}}, started {{.State.StartedAt}}, finished {{.State.FinishedAt}}, restarts {{.RestartCount}}"
      ]).catch((e: Error) => e.message)
    // each program runs with its budget's V8 flags (the manifests put them where nothing overrides them)
    for (const [component, expected] of Object.entries(v8Budgets)) {
      const proc = await podman([
        "exec",
        await containerOf(podOf(component)),
        "/bin/sh",
        "-c",
        "tr '\\0' ' ' </proc/1/cmdline; echo; tr '\\0' '\\n' </proc/1/environ | sed -n 's/^NODE_OPTIONS=//p'"
      ])
      const [cmdline = "", nodeOptions = ""] = proc.split("\n")
      const flags = effectiveV8Flags(cmdline, nodeOptions)
      for (const [flag, value] of Object.entries(expected))
        if (flags.get(flag) !== value)
          fail(`${component} runs with --${flag}=${flags.get(flag) ?? "(node's default)"}, not ${value}: ${cmdline}`)
    }
    say(
      `V8 flags in the containers: ${Object.entries(v8Budgets)
        .map(
          ([c, f]) =>
            `${c} ${Object.entries(f)
              .map(([k, v]) => `--${k}=${v}`)
              .join(" ")}`
        )
        .join(", ")}`
    )
    /** SIGTERM to a component's pod (podman kills after 60 s); fails unless it exits 0; the seconds it took. */
    const stopExpectingZero = async (component: string, phase: string) => {
      const pod = podOf(component)
      const container = await containerOf(pod)
      const stopStarted = performance.now()
      await podman(["pod", "stop", "--time", "60", pod])
      const state = await exitOf(container)
      if (state !== "0 false") {
        const logs = await podman(["logs", "--tail", "15", container]).catch(() => "")
        fail(
          `${component} ${phase} (stop took ${seconds(stopStarted)} s): ${await stateOf(container)}; its last lines:\n${logs}`
        )
      }
      return seconds(stopStarted)
    }
    for (const component of ["stream", "edge", "batch"]) {
      const pod = podOf(component)
      await new Promise((r) => setTimeout(r, 1500))
      say(`${component}: SIGTERM → exit 0 in ${await stopExpectingZero(component, "after SIGTERM")} s`)
      await podman(["pod", "start", pod])
      const url = `http://127.0.0.1:${component === "edge" ? `${ports.edge}/readyz` : `${component === "stream" ? ports.stream : ports.batch}/healthz`}`
      await waitFor(`${component} ready again`, 90_000, async () => ((await fetch(url)).ok ? true : undefined))
    }
    await new Promise((r) => setTimeout(r, 1500))
    stop = true
    await poster
    const expected = cleanIds.size + acked.size
    let landed = 0
    await waitFor(`${acked.size} events acknowledged during the restarts`, 90_000, async () => {
      landed = await countPins()
      return landed === expected ? true : undefined
    }).catch((e: Error) => fail(`${e.message}: ${landed - cleanIds.size} of them landed`))
    say(`rolling restart: ${acked.size} events acknowledged while each pod was SIGTERMed and started, all landed`)

    // 3. the edge at saturation inside its memory limit
    const edgeContainer = await containerOf(podOf("edge"))
    const limit = await podman(["inspect", edgeContainer, "--format", "{{.HostConfig.Memory}}"])
    // the pods restart what exits (restartPolicy Always): a kill under load shows as a new start
    const startedOf = () => podman(["inspect", edgeContainer, "--format", "{{.RestartCount}} {{.State.StartedAt}}"])
    const startedBefore = await startedOf()
    const load = await autocannon({
      url: `${edge}/pin/`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: cleanLine,
      connections: 64,
      duration: saturationSeconds
    })
    const limitState = async (phase: string, since: string) => {
      const state = await podman(["inspect", edgeContainer, "--format", "{{.State.Running}} {{.State.OOMKilled}}"])
      const cgroupPeak = await podman([
        "exec",
        edgeContainer,
        "/bin/sh",
        "-c",
        "cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.peak"
      ]).catch(() => "unknown")
      // node is PID 1 in the container: its own peak RSS, the lean budgets' measure
      const hwm = vmHwm(await podman(["exec", edgeContainer, "cat", "/proc/1/status"]).catch(() => ""))
      const started = await startedOf()
      const restarted = started !== since
      return {
        ok: state === "true false" && !restarted,
        text: `${phase}: limit ${mib(Number(limit))}, peak RSS ${mib(hwm)}, cgroup peak ${mib(Number(cgroupPeak))}, ${restarted ? `RESTARTED (restarts and start: ${since} → ${started}; a memory cgroup OOM kill, then the pod's restart policy)` : state === "true false" ? "not OOM-killed" : `running and OOMKilled = ${state}`}`
      }
    }
    const rate = (n: number) => Math.round(n / saturationSeconds)
    const edgeLogs = () => podman(["logs", "--tail", "20", edgeContainer]).catch((e: Error) => e.message)
    const single = await limitState("/pin/ saturation", startedBefore)
    if (!single.ok)
      fail(`the edge under load: ${single.text}; ${await stateOf(edgeContainer)}; its last lines:\n${await edgeLogs()}`)
    if (load["2xx"] === 0) fail("the edge answered no 200 under load")
    say(
      `saturation: /pin/ ${rate(load["2xx"])} events/s (${load.non2xx} non-2xx, ${load.errors} errors); ${single.text}`
    )

    // the baseline, in this run: the same program and load outside any container
    const host = await hostEdgeUnderLoad(settings, cleanLine)
    say(
      `baseline: the same edge on the host: ${rate(host.ok)} events/s, peak RSS ${mib(host.hwm)}; the container reaches ${(load["2xx"] / host.ok).toFixed(2)}× its throughput`
    )

    // 4. down: SIGTERM to every pod, each exits 0
    for (const component of ["edge", "stream", "batch"]) await stopExpectingZero(component, "at the end")
    // 5. last (it may get the edge OOM-killed): /pins on the edge started again
    await podman(["pod", "start", podOf("edge")])
    await waitFor("the edge ready again", 90_000, async () => ((await fetch(`${edge}/readyz`)).ok ? true : undefined))
    const startedAgain = await startedOf()
    // then /pins, 500 events a request: the edge's 200 MB budget holds at /pins saturation too
    const batches = await autocannon({
      url: `${edge}/pins`,
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${lines.slice(0, 500).join("\n")}\n`,
      connections: 32,
      duration: saturationSeconds
    })
    const multi = await limitState("/pins saturation", startedAgain)
    const line = `/pins ${rate(batches["2xx"] * 500)} events/s in 500-event requests (${batches.non2xx} non-2xx, ${batches.errors} errors); ${multi.text}`
    if (!multi.ok)
      fail(`the edge under load: ${line}; ${await stateOf(edgeContainer)}; its last lines:\n${await edgeLogs()}`)
    say(`saturation: ${line}`)
    say(`deploy:check passed in ${seconds(t0)} s — image ${(size / 1e6).toFixed(0)} MB, build ${buildSeconds} s`)
  } finally {
    if (played) await podman(["kube", "down", kubeFile]).catch((e: Error) => say(`kube down: ${e.message}`))
    await podman(["secret", "rm", secretName]).catch(() => {})
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => {})
    await sql.end()
    rmSync(kubeFile, { force: true })
    rmSync(secretFile, { force: true })
  }
}

const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : "unknown")
const vmHwm = (status: string) => Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024

/** `pinflow ingest` started on the host (same topic), loaded like the container, then SIGTERMed. */
const hostEdgeUnderLoad = async (settings: Record<string, string>, body: string) => {
  const port = await freePort()
  const child = spawn(process.execPath, [join(repo, "packages", "cli", "src", "bin.ts"), "ingest"], {
    env: { ...process.env, ...settings, PORT: String(port), LOG_FORMAT: "json" },
    stdio: "ignore"
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
  try {
    const url = `http://127.0.0.1:${port}`
    await waitFor("the host edge's /readyz", 60_000, async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined))
    const load = await autocannon({
      url: `${url}/pin/`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections: 64,
      duration: saturationSeconds
    })
    return { ok: load["2xx"], hwm: vmHwm(readFileSync(`/proc/${child.pid}/status`, "utf8")) }
  } finally {
    child.kill("SIGTERM")
    await exited
  }
}

const pick = (env: NodeJS.ProcessEnv, keys: ReadonlyArray<string>) =>
  Object.fromEntries(keys.flatMap((k) => (env[k] !== undefined ? [[k, env[k] as string]] : [])))

// podman 4.3's secretRef reads a podman secret whose data is a JSON object of base64 values (what a
// Secret's `data` holds), not a Secret manifest
const podmanSecret = (data: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])))

main().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof Skip) {
      if (isCI()) {
        console.error(`deploy:check FAILED (CI must run it): ${e.message}`)
        process.exit(1)
      }
      console.log(`deploy:check skipped: ${e.message}`)
      process.exit(0)
    }
    console.error(`deploy:check FAILED: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(1)
  }
)
