#!/usr/bin/env node
/** Process entry point of the `pinflow` command. */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { runProgram } from "@pinflow/adapters/ProgramRuntime"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { pinflow } from "./Cli.ts"

pinflow.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), runProgram)
