export * from "./Emulator.ts"
export * from "./LatencyStats.ts"
export * from "./PinGenerator.ts"
