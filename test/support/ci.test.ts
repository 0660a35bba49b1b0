import { describe, expect, it } from "vitest"
import { isCI } from "./ci.ts"
import { sampleLines } from "./sampleData.ts"

describe("CI detection", () => {
  it("counts any truthy CI, not only CI=true", () => {
    const truthy = ["true", "1", "yes", "TRUE", "on", "github-actions"]
    const falsy = [undefined, "", " ", "0", "false", "False", "no", "off"]
    expect(truthy.map((CI) => isCI({ CI }))).toEqual(truthy.map(() => true))
    expect(falsy.map((CI) => isCI({ CI }))).toEqual(falsy.map(() => false))
  })

  it("a missing sample skips outside CI and fails under CI=1 or CI=yes", () => {
    const missing = "/nonexistent/pinflow/pins-sample.ndjson"
    expect(sampleLines(missing, {})).toEqual({
      skip: `sample data not found at ${missing} (the shared/ folder beside the checkout)`
    })
    for (const CI of ["1", "yes", "true"])
      expect(() => sampleLines(missing, { CI })).toThrow(
        `sample data not found at ${missing} (the shared/ folder beside the checkout); CI must have it`
      )
  })
})
