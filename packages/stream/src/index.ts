export * from "./StreamSettings.ts"
export * from "./StreamWorker.ts"
export * from "./Transform.ts"
