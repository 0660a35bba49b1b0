// kafkajs 2.2.4 passes a large negative delay to setTimeout when idle (tulios/kafkajs#1751); Node 24 then
// prints a TimeoutNegativeWarning once per process. It is cosmetic (Node clamps the delay to 1 ms, as it
// always did), so the services command drops that one warning and no other.
let installed = false

export const quietKafkaJsTimeoutWarning = (): void => {
  if (installed) return
  installed = true
  const original = process.emitWarning.bind(process)
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const first = rest[0]
    const type =
      typeof first === "string"
        ? first
        : typeof first === "object" && first !== null
          ? (first as { type?: unknown }).type
          : warning instanceof Error
            ? warning.name
            : undefined
    if (type === "TimeoutNegativeWarning") return
    return (original as (...args: unknown[]) => void)(warning, ...rest)
  }) as typeof process.emitWarning
}
