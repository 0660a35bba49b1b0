/** The batch program: its steps, runs and schedule over the ports (launched by `BatchRunner`, `BatchScheduleProgram`). */
export * from "./Archive.ts"
export * from "./ArchiveLayout.ts"
export * from "./BatchRun.ts"
export * from "./BatchSchedule.ts"
export * from "./BatchSettings.ts"
export * from "./ProcessDay.ts"
export * from "./Retention.ts"
export * from "./UnreadDays.ts"
