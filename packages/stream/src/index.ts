export * from "./StreamHealth.ts"
export * from "./StreamSettings.ts"
export * from "./StreamWorker.ts"
export * from "./Transform.ts"
