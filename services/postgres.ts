// PostgreSQL from Debian's packages: a project-owned cluster under .services/postgres on 127.0.0.1:5432,
// or, when a server already answers on 5432, that server (with the pinflow role and database added).
import { createHash } from "node:crypto"
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Sql } from "postgres"
import { postgres as conf, defaultEnv, host, repoRoot, stateDir } from "./config.ts"
import { fileExists, runLogged, runSync, spawnDetached, which } from "./process.ts"
import type { Log, Probe, Service } from "./service.ts"

const dir = stateDir("postgres")
const logFile = join(dir, "postgres.log")
const installLog = join(dir, "install.log")

interface Binaries {
  readonly bin: string
  readonly version: string
}

/** The newest /usr/lib/postgresql/<v>/bin with initdb and postgres, else the directory of `initdb` on PATH. */
const findBinaries = (): Binaries | undefined => {
  const root = "/usr/lib/postgresql"
  let versions: string[] = []
  try {
    versions = readdirSync(root).filter(
      (v) => fileExists(join(root, v, "bin", "initdb")) && fileExists(join(root, v, "bin", "postgres"))
    )
  } catch {}
  versions.sort((a, b) => Number(b) - Number(a))
  const newest = versions[0]
  if (newest !== undefined) return { bin: join(root, newest, "bin"), version: newest }
  const initdb = which("initdb")
  const pgctl = initdb === undefined ? undefined : runSync(initdb, ["--version"]).stdout
  if (initdb !== undefined && pgctl !== undefined) {
    const bin = join(initdb, "..")
    if (fileExists(join(bin, "postgres"))) return { bin, version: /(\d+)/.exec(pgctl)?.[1] ?? "?" }
  }
  return undefined
}

const isRoot = (): boolean => process.getuid?.() === 0

const installBinaries = async (log: Log): Promise<Binaries> => {
  const found = findBinaries()
  if (found !== undefined) return found
  if (!isRoot()) throw new Error("postgres: no PostgreSQL server binaries; as root run: apt-get install -y postgresql")
  log("postgres: installing PostgreSQL from Debian's packages (apt-get, first time only)")
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  await runLogged("apt-get", ["update"], { cwd: repoRoot, logFile: installLog, env })
  await runLogged("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], {
    cwd: repoRoot,
    logFile: installLog,
    env
  })
  const after = findBinaries()
  if (after === undefined) throw new Error(`postgres: apt-get installed no server binaries; see ${installLog}`)
  return after
}

interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` OS user. */
const clusterOwner = (): OsUser | undefined => {
  if (!isRoot()) return undefined
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"))
  const [, , uid, gid] = line?.split(":") ?? []
  if (uid === undefined || gid === undefined) {
    throw new Error(
      "postgres: running as root but there is no 'postgres' OS user (apt-get install -y postgresql makes it)"
    )
  }
  return { uid: Number(uid), gid: Number(gid) }
}

const canAccess = (owner: OsUser | undefined, path: string): boolean =>
  owner === undefined ||
  runSync("test", ["-x", path, "-a", "-w", path], { uid: owner.uid, gid: owner.gid }).status === 0

const ownedDir = (path: string, owner: OsUser | undefined): string => {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  if (owner !== undefined) chownSync(path, owner.uid, owner.gid)
  return path
}

/**
 * The cluster's directory: .services/postgres when the postgres OS user can reach it (it cannot when the
 * checkout lives under a root-only directory such as /root), else one under /var/tmp, linked from
 * .services/postgres/data.
 */
const clusterBase = (owner: OsUser | undefined): string => {
  mkdirSync(dir, { recursive: true })
  const local = join(dir, "cluster")
  if (owner === undefined) return local
  ownedDir(local, owner)
  if (canAccess(owner, local)) return local
  const hash = createHash("sha256").update(repoRoot).digest("hex").slice(0, 10)
  const outside = join("/var/tmp", `pinflow-services-${hash}`)
  mkdirSync(outside, { recursive: true, mode: 0o755 })
  ownedDir(join(outside, "cluster"), owner)
  const link = join(dir, "data")
  try {
    lstatSync(link)
  } catch {
    symlinkSync(join(outside, "cluster", "data"), link)
  }
  return join(outside, "cluster")
}

const settings = (socketDir: string): string =>
  [
    "# Written by services/postgres.ts on every start; edit there (or use ALTER SYSTEM).",
    `listen_addresses = '${host}'`,
    `port = ${conf.port}`,
    `unix_socket_directories = '${socketDir}'`,
    "max_connections = 200",
    "shared_buffers = 128MB",
    "work_mem = 8MB",
    "maintenance_work_mem = 64MB",
    "max_wal_size = 1GB",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "log_line_prefix = '%m [%p] %q%u@%d '",
    "log_min_messages = warning",
    "log_connections = off",
    "log_disconnections = off",
    ""
  ].join("\n")

/** Appears in the postmaster's command line: tells our cluster from any other postgres process. */
const clusterName = `pinflow-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`

const start = async (log: Log): Promise<number> => {
  const { bin } = await installBinaries(log)
  const owner = clusterOwner()
  const base = clusterBase(owner)
  const data = join(base, "data")
  // unix socket paths are limited to 107 bytes
  const socketDir = join(base, "run").length < 90 ? ownedDir(join(base, "run"), owner) : "/tmp"
  const asOwner = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }
  if (!fileExists(join(data, "PG_VERSION"))) {
    log(`postgres: initdb ${data}`)
    ownedDir(data, owner)
    const pwfile = join(base, "superuser-password")
    writeFileSync(pwfile, `${conf.superuserPassword}\n`, { mode: 0o600 })
    if (owner !== undefined) chownSync(pwfile, owner.uid, owner.gid)
    const r = runSync(
      join(bin, "initdb"),
      [
        "-D",
        data,
        "-U",
        conf.superuser,
        `--pwfile=${pwfile}`,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-instructions"
      ],
      { cwd: base, ...asOwner }
    )
    if (r.status !== 0) throw new Error(`postgres: initdb failed:\n${r.stdout}${r.stderr}`)
    const main = join(data, "postgresql.conf")
    writeFileSync(main, `${readFileSync(main, "utf8")}\ninclude_if_exists = 'pinflow.conf'\n`)
  }
  const extra = join(data, "pinflow.conf")
  writeFileSync(extra, settings(socketDir))
  if (owner !== undefined) chownSync(extra, owner.uid, owner.gid)
  return spawnDetached({
    command: join(bin, "postgres"),
    args: ["-D", data, "-c", `cluster_name=${clusterName}`],
    cwd: data,
    logFile,
    ...asOwner
  })
}

type PostgresFactory = typeof import("postgres")

// loaded on demand (the `env` command needs no client); the package's types say `export =`, Node's ESM gives a default
const loadPostgres = async (): Promise<PostgresFactory> => {
  const m = (await import("postgres")) as PostgresFactory & { default?: PostgresFactory }
  return m.default ?? m
}

const withSql = async <A>(url: string, fn: (sql: Sql) => Promise<A>): Promise<A> => {
  const postgres = await loadPostgres()
  const sql = postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

const errorText = (err: unknown): string => {
  if (err instanceof AggregateError) return err.errors.map(errorText).join("; ")
  const e = err as { code?: string; message?: string }
  return `${e.code === undefined ? "" : `${e.code} `}${e.message ?? String(err)}`
}

/** Server-side answers that mean "a PostgreSQL server is there" even though we cannot log in yet. */
const answeringCodes = new Set(["28P01", "28000", "3D000"])

/** A real query as pinflow; a PostgreSQL login error also counts as "the server answers". */
export const probePostgres = async (url: string = defaultEnv.DATABASE_URL): Promise<Probe> => {
  try {
    const [row] = await withSql(url, (sql) => sql<{ v: string }[]>`select current_setting('server_version') as v`)
    return { ok: true, detail: `PostgreSQL ${row?.v ?? "?"}` }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code !== undefined && answeringCodes.has(code))
      return { ok: true, detail: `answers, not set up yet: ${errorText(err)}` }
    return { ok: false, error: errorText(err) }
  }
}

const setupSql = [
  `do $$ begin
     if not exists (select from pg_roles where rolname = '${conf.user}') then
       create role ${conf.user} login createdb password '${conf.password}';
     end if;
   end $$`
]

const pinflowReady = async (): Promise<boolean> => {
  try {
    await withSql(defaultEnv.DATABASE_URL, (sql) => sql`select 1`)
    return true
  } catch {
    return false
  }
}

const setUpWithClient = async (url: string): Promise<void> =>
  withSql(url, async (sql) => {
    for (const statement of setupSql) await sql.unsafe(statement)
    const exists = await sql`select 1 from pg_database where datname = ${conf.database}`
    if (exists.length === 0) await sql.unsafe(`create database ${conf.database} owner ${conf.user}`)
  })

/** Through psql as the postgres OS user (peer authentication on Debian's default socket). */
const setUpWithPsql = (): void => {
  const bins = findBinaries()
  const psql = bins !== undefined && fileExists(join(bins.bin, "psql")) ? join(bins.bin, "psql") : which("psql")
  const owner = clusterOwner()
  if (psql === undefined || owner === undefined) throw new Error("no psql, or not root")
  const run = (sqlText: string): string => {
    const r = runSync(psql, ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-p", String(conf.port), "-c", sqlText], {
      uid: owner.uid,
      gid: owner.gid,
      cwd: "/"
    })
    if (r.status !== 0) throw new Error(r.stderr.trim())
    return r.stdout.trim()
  }
  for (const statement of setupSql) run(statement)
  if (run(`select count(*) from pg_database where datname = '${conf.database}'`) === "0") {
    run(`create database ${conf.database} owner ${conf.user}`)
  }
}

const prepare = async (log: Log, managed: boolean): Promise<void> => {
  if (await pinflowReady()) return
  const superUrl = `postgres://${conf.superuser}:${conf.superuserPassword}@${host}:${conf.port}/postgres`
  const attempts: string[] = []
  try {
    await setUpWithClient(superUrl)
  } catch (err) {
    attempts.push(`as ${conf.superuser} over TCP: ${errorText(err)}`)
    if (managed) throw new Error(`postgres: could not create role/database: ${attempts.join("; ")}`)
    try {
      setUpWithPsql()
    } catch (err2) {
      attempts.push(`psql as the postgres OS user: ${errorText(err2)}`)
      throw new Error(
        `postgres: a server answers on ${host}:${conf.port} but pinflow cannot log in and the role/database ` +
          `could not be created (${attempts.join("; ")}). Create role ${conf.user} (password ${conf.password}, ` +
          `createdb) and database ${conf.database}, or stop that server.`
      )
    }
  }
  log(`postgres: created role ${conf.user} and database ${conf.database}`)
  if (!(await pinflowReady()))
    throw new Error(`postgres: role/database created but ${defaultEnv.DATABASE_URL} still fails`)
}

export const postgresService: Service = {
  name: "postgres",
  port: conf.port,
  processMarker: `cluster_name=${clusterName}`,
  logFiles: [logFile],
  install: async (log) => {
    await installBinaries(log)
  },
  start,
  probe: () => probePostgres(),
  prepare,
  signals: { graceful: "SIGINT", kill: "SIGQUIT" }
}
