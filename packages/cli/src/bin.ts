#!/usr/bin/env node
/** Process entry point of the `pinflow` command. */
import { NodeServices } from "@effect/platform-node"
import { runProgram } from "@pinflow/adapters"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { pinflow } from "./Cli.ts"

pinflow.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), runProgram)
