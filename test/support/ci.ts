/**
 * Whether this is a CI run, where a missing service or sample must fail instead of skipping. Any
 * non-empty `CI` counts (`true`, `1`, `yes`, as CI systems set it) except the explicit `0`/`false`/`no`/`off`.
 */
export const isCI = (env: Readonly<Record<string, string | undefined>> = process.env): boolean => {
  const value = (env.CI ?? "").trim().toLowerCase()
  return value !== "" && !["0", "false", "no", "off"].includes(value)
}
