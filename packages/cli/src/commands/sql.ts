/**
 * `pinflow sql ["query"] [--json]`: runs SQL against whichever database pinflow uses and prints the
 * result, so a newcomer can look at the rows at once. Which database: `DATABASE_URL`; else a running
 * `pinflow start`'s embedded database (the port its `pinflow.pid` records, else `PINFLOW_DB_PORT`); else
 * `$PINFLOW_HOME/postgres` opened here (refused while another process holds it). Without a query,
 * statements come from standard input: all of it when piped, or line by line after a prompt on a terminal.
 */
import { existsSync } from "node:fs"
import { createConnection } from "node:net"
import { createInterface } from "node:readline"
import { Database, DatabaseSchemaConfig } from "@pinflow/adapters/Database"
import { defaultEmbeddedPort, EmbeddedDatabase, embeddedHolder, embeddedUrl } from "@pinflow/adapters/EmbeddedDatabase"
import { Config, Console, Data, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { splitStatements } from "../SqlStatements.ts"
import { formatJsonLines, formatTable, type StatementResult } from "../SqlTable.ts"

/** A statement the database refused (or no database to run it on): one line, exit 1. */
export class SqlFailed extends Data.TaggedError("SqlFailed")<{ readonly message: string; readonly cause?: unknown }> {}

const query = Argument.String("query").pipe(
  Argument.withDescription("SQL to run; several statements separated by ';' (default: read from standard input)"),
  Argument.optional
)
const json = Flag.Boolean("json").pipe(
  Flag.withDescription("One JSON object per row instead of a table"),
  Flag.withDefault(false)
)

/** Whether something accepts connections on 127.0.0.1:`port` (answers or refuses within half a second). */
const listening = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const socket = createConnection({ host: "127.0.0.1", port })
    const done = (open: boolean) => {
      socket.destroy()
      resume(Effect.succeed(open))
    }
    socket.setTimeout(500, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => socket.destroy())
  })

/** The database pinflow would use here, as a Layer, and what it is (for the prompt's first line). */
export const chooseDatabase = Effect.gen(function* () {
  const url = yield* Config.option(Config.NonEmptyString("DATABASE_URL"))
  if (Option.isSome(url)) return Database.layer
  const home = yield* Config.NonEmptyString("PINFLOW_HOME").pipe(Config.withDefault(".pinflow"))
  const port = yield* Config.schema(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 })),
    "PINFLOW_DB_PORT"
  ).pipe(Config.withDefault(defaultEmbeddedPort))
  const schema = Option.getOrUndefined(yield* DatabaseSchemaConfig)
  const dir = `${home}/postgres`
  const holder = embeddedHolder(dir)
  const servedOn = holder?.port ?? port
  if (yield* listening(servedOn)) {
    return Layer.effect(
      Database,
      Database.make(Redacted.make(embeddedUrl(servedOn)), `pinflow start's database at ${embeddedUrl(servedOn)}`, {
        max: 1,
        connectTimeout: "5 seconds",
        ...(schema === undefined ? {} : { schema })
      })
    )
  }
  if (holder === undefined && !existsSync(dir)) {
    return yield* new SqlFailed({
      message: `no database: DATABASE_URL is unset, nothing answers on 127.0.0.1:${port} (PINFLOW_DB_PORT) and ${dir} does not exist — run \`pinflow start\` first, or set DATABASE_URL or PINFLOW_HOME`
    })
  }
  // opened here on a free port, only for this command; a holder without a port is refused by the layer
  return EmbeddedDatabase.layer(dir, { port: 0, ...(schema === undefined ? {} : { schema }) })
})

/** 'relation "x" does not exist (SQLSTATE 42P01)' from a PostgreSQL error, else the error's message. */
const errorLine = (cause: unknown): string => {
  const e = cause as { readonly code?: unknown; readonly message?: unknown }
  const message = typeof e?.message === "string" ? e.message : String(cause)
  return typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? `${message} (SQLSTATE ${e.code})` : message
}

/** Runs one statement and prints its result. */
const runStatement = Effect.fn("sql.runStatement")(function* (statement: string, asJson: boolean) {
  const { sql } = yield* Database
  const result = yield* Effect.tryPromise({
    try: () => sql.unsafe(statement).simple() as unknown as Promise<StatementResult>,
    catch: (cause) => new SqlFailed({ message: errorLine(cause), cause })
  })
  // a statement of comments only has no command and nothing to print
  if (!result.command && (result.columns?.length ?? 0) === 0) return
  for (const line of asJson ? formatJsonLines(result) : formatTable(result)) yield* Console.log(line)
})

const runAll = (statements: ReadonlyArray<string>, asJson: boolean) =>
  Effect.forEach(statements, (statement) => runStatement(statement, asJson), { discard: true })

/** The next line a person types after `prompt`, or None at end of input (Ctrl-D). */
const lines = () => {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  const iterator = rl[Symbol.asyncIterator]()
  return {
    next: (prompt: string) =>
      Effect.promise(() => {
        rl.setPrompt(prompt)
        rl.prompt()
        return iterator.next()
      }).pipe(Effect.map((step) => (step.done === true ? Option.none<string>() : Option.some(step.value)))),
    close: Effect.sync(() => rl.close())
  }
}

/** A terminal: statements run as each ';' is typed; an error is printed and the session goes on. */
const interactive = (asJson: boolean) =>
  Effect.acquireUseRelease(
    Effect.sync(lines),
    (input) =>
      Effect.gen(function* () {
        const { description } = yield* Database
        yield* Console.log(`connected to ${description}; end statements with ';', quit with \\q or Ctrl-D`)
        let pending = ""
        for (;;) {
          const line = yield* input.next(pending === "" ? "pinflow=> " : "pinflow-> ")
          if (Option.isNone(line) || line.value.trim() === "\\q") return
          const split = splitStatements(`${pending}${line.value}\n`)
          pending = split.rest === "" ? "" : `${split.rest}\n`
          for (const statement of split.statements) {
            yield* runStatement(statement, asJson).pipe(
              Effect.catchTag("SqlFailed", (failure) => Console.error(`ERROR: ${failure.message}`))
            )
          }
        }
      }),
    (input) => input.close
  )

/** Piped standard input: every statement of it in order; the first refused one ends the command. */
const piped = (asJson: boolean) =>
  Effect.gen(function* () {
    const text = yield* Effect.promise(async () => {
      let text = ""
      process.stdin.setEncoding("utf8")
      for await (const chunk of process.stdin) text += chunk
      return text
    })
    const split = splitStatements(text)
    yield* runAll(split.rest === "" ? split.statements : [...split.statements, split.rest], asJson)
  })

export const sql = Command.make("sql", { query, json }, (input) =>
  Effect.gen(function* () {
    const database = yield* chooseDatabase
    const program = Option.match(input.query, {
      onSome: (text) => {
        const split = splitStatements(text)
        return runAll(split.rest === "" ? split.statements : [...split.statements, split.rest], input.json)
      },
      onNone: () => (process.stdin.isTTY === true ? interactive(input.json) : piped(input.json))
    })
    return yield* program.pipe(Effect.provide(database))
  })
).pipe(
  Command.withDescription(
    "Run SQL against pinflow's database and print the rows (a table, or JSON lines with --json): DATABASE_URL; else a running `pinflow start`'s embedded database (PINFLOW_DB_PORT, 5433); else $PINFLOW_HOME/postgres (.pinflow) opened here. Without a query, reads statements from standard input (a prompt on a terminal). DATABASE_SCHEMA selects the schema."
  ),
  Command.withExamples([
    { command: 'pinflow sql "select count(*) from pins"', description: "Count the pins" },
    {
      command: 'pinflow sql --json "select reason, count(*) from pin_rejects group by reason"',
      description: "Rejects by reason, one JSON object per line"
    },
    { command: "pinflow sql < report.sql", description: "Run a file of statements" },
    { command: "pinflow sql", description: "A prompt: type statements ending with ';'" }
  ])
)
