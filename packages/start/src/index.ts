export * from "./Backends.ts"
export * from "./StatusLine.ts"
