export * from "./InMemoryLog.ts"
