export * from "./InMemoryLog.ts"
export * from "./KafkaClient.ts"
export * from "./KafkaTopics.ts"
export * from "./PinLog.ts"
