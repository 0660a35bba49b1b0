#!/usr/bin/env node
/** Process entry point of the `pinflow` command. */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { pinflow } from "./Cli.ts"

/** SIGTERM/SIGINT end the long-running programs gracefully: that is a success (0); a failure is 1. */
const teardown = (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void): void =>
  onExit(Exit.isSuccess(exit) || (Exit.hasInterrupts(exit) && !Exit.hasFails(exit) && !Exit.hasDies(exit)) ? 0 : 1)

pinflow.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), (program) =>
  NodeRuntime.runMain(program, { teardown })
)
