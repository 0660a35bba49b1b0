/** `pinflow clean` as a user runs it: a real process, real files and pipes. */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot, sampleLines, samplePath } from "../support/sampleData.ts"

const pinflow = (args: ReadonlyArray<string>, input?: string) =>
  spawnSync(process.execPath, [join(repoRoot, "packages/cli/src/bin.ts"), ...args], {
    cwd: repoRoot,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })

describe("pinflow clean", () => {
  it("cleans the sample file to stdout, rejects to a file, summary on stderr", (ctx) => {
    const sample = sampleLines()
    if ("skip" in sample) return ctx.skip(sample.skip)
    const rejects = join(mkdtempSync(join(tmpdir(), "pinflow-clean-")), "rejects.ndjson")
    const run = pinflow(["clean", "--file", samplePath, "--rejects", rejects])
    expect(run.status).toBe(0)
    const out = run.stdout.trim().split("\n")
    expect(out.length).toBe(2362)
    expect(JSON.parse(out[0] ?? "")).toMatchObject({ unique_id: "b642405e-6f0d-41b8-b007-40b9c3c64254", index: 3 })
    const rejected = readFileSync(rejects, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(rejected.length).toBe(22)
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(["empty_pin"]))
    // raw is the row as received, less poster_name (personal data is never written out)
    const { poster_name: _, ...row } = JSON.parse(sample.lines.find((l) => l.includes(rejected[0].unique_id)) ?? "{}")
    expect(JSON.parse(rejected[0].raw)).toEqual(row)
    expect(rejected.every((r) => !r.raw.includes("poster_name"))).toBe(true)
    expect(run.stderr.trim()).toBe("pinflow clean: 2384 events, 2362 clean, 22 rejected (empty_pin 22)")
  })

  it("reads stdin, turns non-JSON lines into invalid_json rejects on stderr and skips blank lines", () => {
    const good = JSON.stringify({
      index: 1,
      unique_id: "id-1",
      title: "t",
      description: "",
      follower_count: "7k",
      tag_list: "a,b",
      is_image_or_video: "image",
      image_src: "",
      downloaded: 1,
      save_location: "Local save in /data/art",
      category: "art"
    })
    const run = pinflow(["clean"], `${good}\nnot json\n\n{"index":1}\n`)
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      unique_id: "id-1",
      index: 1,
      title: "t",
      description: null,
      follower_count: 7000,
      tags: ["a", "b"],
      media_type: "image",
      image_src: null,
      downloaded: true,
      save_location: "/data/art",
      category: "art"
    })
    const lines = run.stderr.trim().split("\n")
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ reason: "invalid_json", raw: "not json" })
    expect(JSON.parse(lines[1] ?? "")).toMatchObject({ reason: "schema", raw: '{"index":1}' })
    expect(lines[2]).toBe("pinflow clean: 3 events, 1 clean, 2 rejected (invalid_json 1, schema 1)")
  })

  it("refuses a missing input file with a clear error", () => {
    const run = pinflow(["clean", "--file", "/nonexistent/pins.ndjson"])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain("Path does not exist: /nonexistent/pins.ndjson")
  })
})
