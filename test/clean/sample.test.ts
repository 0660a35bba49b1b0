/** Every real sample row through the domain's cleaning: exact outcome counts and hand-checked rows. */
import { Result } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { type CleanOutcome, cleanPinLine } from "../../packages/domain/src/index.ts"
import { sampleLines } from "../support/sampleData.ts"

const sample = sampleLines()
const byIndex = new Map<number, CleanOutcome>()

beforeAll(() => {
  if ("skip" in sample) return
  for (const line of sample.lines) byIndex.set((JSON.parse(line) as { index: number }).index, cleanPinLine(line))
})

const clean = (index: number) => {
  const outcome = byIndex.get(index)
  if (outcome === undefined || Result.isFailure(outcome)) throw new Error(`row ${index} is not clean`)
  return outcome.success
}

describe("cleaning the sample data", () => {
  it("yields exactly 2,362 clean pins and 22 empty_pin rejects out of 2,384 rows", (ctx) => {
    if ("skip" in sample) return ctx.skip(sample.skip)
    const counts: Record<string, number> = {}
    for (const outcome of byIndex.values()) {
      const key = Result.isSuccess(outcome) ? "clean" : outcome.failure.reason
      counts[key] = (counts[key] ?? 0) + 1
    }
    expect(sample.lines.length).toBe(2384)
    expect(counts).toEqual({ clean: 2362, empty_pin: 22 })
  })

  it("cleans hand-checked rows exactly", (ctx) => {
    if ("skip" in sample) return ctx.skip(sample.skip)
    // row 3: the description ends in "…" plus a non-breaking space, which trimming removes
    expect(clean(3)).toEqual({
      unique_id: "b642405e-6f0d-41b8-b007-40b9c3c64254",
      index: 3,
      title: "Porsche Panic 77 Sebring - Art Print - 8 x 5.5 / Metallic Paper",
      description:
        "Porsche Panic 77 Sebring art print by Jacqueline Bergeron. Our art prints are produced on acid-free papers using archival inks to guarantee that they last a lifetime without fad…",
      follower_count: 159,
      tags: [
        "Safe Storage",
        "Puzzle Box",
        "Puzzle Pieces",
        "All Art",
        "Artwork Prints",
        "Porsche",
        "Thing 1",
        "Shapes",
        "Unique"
      ],
      media_type: "image",
      image_src: "https://i.pinimg.com/originals/5f/f5/d2/5ff5d24dba17c038fc1b7d32876d6a5e.jpg",
      downloaded: true,
      save_location: "/data/art",
      category: "art"
    })
    // row 302: "No Title Data Available" + story placeholder description + "User Info Error" count
    expect(byIndex.get(302)).toEqual(
      Result.fail({
        reason: "empty_pin",
        detail: "title and description are both empty or placeholders",
        unique_id: "72c5e48f-2413-4c40-8724-71c11a87e80b"
      })
    )
    const pick = (index: number) => {
      const { title, description, follower_count, media_type, image_src, downloaded, tags } = clean(index)
      return { title, description, follower_count, media_type, image_src, downloaded, tags: tags.length }
    }
    expect(pick(82)).toMatchObject({
      title: "🍂watercolor autumn leaves 🍂",
      description: null,
      follower_count: 150_000,
      media_type: "story"
    })
    expect(pick(818)).toMatchObject({ follower_count: 0, tags: 0, media_type: "image" })
    expect(pick(1609)).toMatchObject({
      description: null,
      follower_count: 2_000_000,
      media_type: "story",
      image_src: null,
      downloaded: false
    })
    expect(pick(1418).title).toBe("How To Apply Your Cream For Better Results")
    expect(pick(3239).title).toBe("Resin Mosaic Coasters")
    // non-breaking spaces around an inner newline: only the ends are trimmed
    expect(pick(2711).title).toBe("TIE DYE\u00a0\n\u00a0T-SHIRTS")
    expect(pick(4).follower_count).toBe(2_000_000)
    expect(pick(744)).toMatchObject({ title: "Minecraft Art", description: null, follower_count: 0 })
    expect(pick(106)).toMatchObject({ description: null, follower_count: 19, tags: 9 })
    expect(pick(158)).toMatchObject({ media_type: "video", follower_count: 128_000, downloaded: true })
  })

  it("never persists poster_name and keeps save_location as the path", (ctx) => {
    if ("skip" in sample) return ctx.skip(sample.skip)
    for (const outcome of byIndex.values()) {
      if (Result.isFailure(outcome)) continue
      expect(outcome.success).not.toHaveProperty("poster_name")
      expect(outcome.success.save_location).toBe(`/data/${outcome.success.category}`)
    }
  })
})
