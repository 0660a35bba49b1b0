import { describe, expect, it } from "@effect/vitest"
import { type EventTypeName, eventTypeNamed } from "@pinflow/domain"
import { Result } from "effect"
import { makeStepGenerator } from "../src/StepGenerator.ts"

const typeOf = (name: EventTypeName) => {
  const type = eventTypeNamed(name)
  if (type === undefined) throw new Error(name)
  return type
}

describe("makeStepGenerator", () => {
  const steps = (() => {
    const next = makeStepGenerator({ seed: 11 })
    return Array.from({ length: 6_000 }, next)
  })()

  it("posts one pin, geo and user event of the same row number per step", () => {
    for (const step of steps) {
      expect(step.map((post) => post.type)).toEqual(["pin", "geo", "user"])
      const [pin, geo, user] = step.map((post) => JSON.parse(post.body))
      expect(geo.ind).toBe(pin.index)
      expect(user.ind).toBe(pin.index)
    }
  })

  it("generates events each type's edge check accepts, and geo and user rows that all clean", () => {
    for (const step of steps)
      for (const post of step) expect(Result.isSuccess(typeOf(post.type).check(JSON.parse(post.body)))).toBe(true)
    const cleanShare = (name: EventTypeName) =>
      steps
        .flatMap((s) => s.filter((p) => p.type === name))
        .filter((p) => Result.isSuccess(typeOf(name).cleanPostedLine(p.body))).length / steps.length
    expect(cleanShare("geo")).toBe(1)
    expect(cleanShare("user")).toBe(1)
  })

  it("keeps a row's content when its number repeats, and spreads values like the sample", () => {
    const byRow = new Map<number, string>()
    let repeats = 0
    for (const step of steps) {
      const row = JSON.parse(step[0]?.body ?? "{}").index as number
      const text = step.map((p) => p.body).join("\n")
      if (byRow.has(row)) {
        repeats += 1
        expect(byRow.get(row)).toBe(text)
      } else byRow.set(row, text)
    }
    expect(repeats).toBeGreaterThan(1_000)
    const users = [...byRow.values()].map((text) => JSON.parse(text.split("\n")[2] ?? "{}"))
    const share = (f: (u: { age: number }) => boolean) => users.filter(f).length / users.length
    expect(share((u) => u.age < 25)).toBeGreaterThan(0.35)
    expect(share((u) => u.age > 50)).toBeGreaterThan(0.03)
    const years = new Set(
      [...byRow.values()].map((text) => JSON.parse(text.split("\n")[1] ?? "{}").timestamp.slice(0, 4) as string)
    )
    expect([...years].sort()).toEqual(["2017", "2018", "2019", "2020", "2021", "2022"])
  })

  it("breaks about the asked share of each type's events structurally; types can be chosen", () => {
    const next = makeStepGenerator({ seed: 5, invalidRate: 0.1 })
    const posts = Array.from({ length: 3_000 }, next).flat()
    for (const name of ["pin", "geo", "user"] as const) {
      const broken = posts
        .filter((p) => p.type === name)
        .filter((p) => Result.isFailure(typeOf(name).check(JSON.parse(p.body)))).length
      expect(broken).toBeGreaterThan(200)
      expect(broken).toBeLessThan(400)
    }
    const chosen = makeStepGenerator({ seed: 5, types: ["user", "pin"] })
    expect(chosen().map((p) => p.type)).toEqual(["user", "pin"])
  })

  it("is reproducible from a seed", () => {
    const a = makeStepGenerator({ seed: 3 })
    const b = makeStepGenerator({ seed: 3 })
    expect(Array.from({ length: 50 }, a)).toEqual(Array.from({ length: 50 }, b))
  })
})
