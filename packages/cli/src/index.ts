export * from "./CleanNdjson.ts"
export { pinflow } from "./Cli.ts"
