import { describe, expect, it } from "@effect/vitest"
import { PinEvent } from "@pinflow/domain"
import { Result, Schema } from "effect"
import { makePinGenerator } from "../src/PinGenerator.ts"

const isPinEvent = Schema.decodeUnknownResult(PinEvent)

describe("makePinGenerator", () => {
  const rows = (() => {
    const next = makePinGenerator({ seed: 7 })
    return Array.from({ length: 20_000 }, next)
  })()

  it("produces structurally valid events (cleaning rule 1) when no invalid rate is asked", () => {
    expect(rows.every((row) => Result.isSuccess(isPinEvent(row)))).toBe(true)
  })

  it("repeats unique_ids as the original source table does, and keeps a repeat identical", () => {
    const byId = new Map<string, string>()
    let repeats = 0
    for (const row of rows) {
      const id = row.unique_id as string
      const json = JSON.stringify(row)
      if (byId.has(id)) {
        repeats += 1
        expect(byId.get(id)).toBe(json)
      } else byId.set(id, json)
    }
    expect(byId.size).toBeLessThanOrEqual(11_000)
    expect(repeats).toBeGreaterThan(5_000)
  })

  it("carries the source's dirty values at roughly the source's rates", () => {
    const distinct = [...new Map(rows.map((r) => [r.unique_id, r])).values()]
    const share = (f: (r: Record<string, unknown>) => boolean) => distinct.filter(f).length / distinct.length
    expect(share((r) => r.follower_count === "User Info Error")).toBeGreaterThan(0.003)
    expect(share((r) => r.follower_count === "User Info Error")).toBeLessThan(0.02)
    expect(share((r) => r.is_image_or_video === "multi-video(story page format)")).toBeGreaterThan(0.04)
    expect(share((r) => r.image_src === "Image src error.")).toBeGreaterThan(0.01)
    expect(share((r) => r.tag_list === "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e")).toBeGreaterThan(0.005)
    expect(share((r) => String(r.follower_count).endsWith("M"))).toBeGreaterThan(0.03)
    expect(share((r) => String(r.description).endsWith("\u00a0"))).toBeGreaterThan(0.2)
  })

  it("breaks about the asked share of rows structurally", () => {
    const next = makePinGenerator({ seed: 9, invalidRate: 0.1 })
    const broken = Array.from({ length: 5_000 }, next).filter((row) => Result.isFailure(isPinEvent(row))).length
    expect(broken).toBeGreaterThan(350)
    expect(broken).toBeLessThan(650)
  })

  it("is reproducible from a seed", () => {
    const a = makePinGenerator({ seed: 3 })
    const b = makePinGenerator({ seed: 3 })
    expect(Array.from({ length: 50 }, a)).toEqual(Array.from({ length: 50 }, b))
  })
})
