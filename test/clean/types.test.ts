/** `pinflow clean --type geo|user` as a user runs it: the same output contract as pins. */
import { spawnSync } from "node:child_process"
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

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l.length > 0)

describe("pinflow clean --type", () => {
  it("geo and user: every sample row clean, the first one exact, the summary on stderr", (ctx) => {
    for (const [type, file, first] of [
      [
        "geo",
        "geo-sample.ndjson",
        {
          ind: 3,
          event_time: "2019-11-09T07:45:20.000Z",
          latitude: -84.8378,
          longitude: -167.14,
          coordinates: [-84.8378, -167.14],
          country: "Aruba"
        }
      ],
      [
        "user",
        "users-sample.ndjson",
        { ind: 3, user_name: "Amanda Alvarez", age: 21, date_joined: "2015-10-30T01:31:09.000Z" }
      ]
    ] as const) {
      const path = samplePath.replace("pins-sample.ndjson", file)
      const sample = sampleLines(path)
      if ("skip" in sample) return ctx.skip(sample.skip)
      const run = pinflow(["clean", "--type", type, "--file", path])
      expect(run.status).toBe(0)
      const out = lines(run.stdout)
      expect(out.length).toBe(2384)
      expect(JSON.parse(out[0] ?? "")).toEqual(first)
      expect(run.stderr.trim()).toBe("pinflow clean: 2384 events, 2384 clean, 0 rejected")
    }
  })

  it("geo rejects: out_of_range, schema and invalid_json, keyed by ind when readable", () => {
    const input = [
      '{"ind":5,"timestamp":"2019-01-01 00:00:00","latitude":95,"longitude":0,"country":"X"}',
      '{"ind":6,"timestamp":"2019-02-29 00:00:00","latitude":0,"longitude":0,"country":" "}',
      '{"ind":7,"timestamp":"2019-02-28 00:00:00","latitude":0,"longitude":0,"country":" "}',
      "nope"
    ].join("\n")
    const run = pinflow(["clean", "-t", "geo"], `${input}\n`)
    expect(run.status).toBe(0)
    expect(lines(run.stdout).map((l) => JSON.parse(l))).toEqual([
      {
        ind: 7,
        event_time: "2019-02-28T00:00:00.000Z",
        latitude: 0,
        longitude: 0,
        coordinates: [0, 0],
        country: null
      }
    ])
    const err = lines(run.stderr)
    expect(JSON.parse(err[0] ?? "")).toEqual({
      reason: "out_of_range",
      detail: "latitude: expected a number from -90 to 90, got 95",
      ind: 5,
      raw: input.split("\n")[0]
    })
    expect(JSON.parse(err[1] ?? "")).toMatchObject({ reason: "schema", ind: 6 })
    expect(JSON.parse(err[1] ?? "").detail).toMatch(/^timestamp: Expected a UTC time/)
    expect(JSON.parse(err[2] ?? "")).toEqual({
      reason: "invalid_json",
      detail: `Unexpected token 'o', "nope" is not valid JSON`,
      raw: "nope"
    })
    expect(err[3]).toBe("pinflow clean: 4 events, 1 clean, 3 rejected (invalid_json 1, out_of_range 1, schema 1)")
  })

  it("user rejects: an age past 150 is out_of_range; the default type stays pin", () => {
    const user = '{"ind":9,"first_name":" Ada","last_name":"","age":151,"date_joined":"2016-01-01 00:00:00"}'
    const run = pinflow(["clean", "--type", "user"], `${user}\n${user.replace("151", "36")}\n`)
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      ind: 9,
      user_name: "Ada",
      age: 36,
      date_joined: "2016-01-01T00:00:00.000Z"
    })
    expect(JSON.parse(lines(run.stderr)[0] ?? "")).toEqual({
      reason: "out_of_range",
      detail: "age: expected an integer from 0 to 150, got 151",
      ind: 9,
      // the names are personal data: a reject keeps the rest of the line
      raw: '{"ind":9,"age":151,"date_joined":"2016-01-01 00:00:00"}'
    })
    // without --type, a user row is a pin missing its fields
    const asPin = pinflow(["clean"], `${user}\n`)
    expect(lines(asPin.stderr).at(-1)).toBe("pinflow clean: 1 events, 0 clean, 1 rejected (schema 1)")
  })

  it("refuses an unknown type", () => {
    const run = pinflow(["clean", "--type", "board"], "")
    expect(run.status).toBe(1)
    expect(run.stderr).toContain("board")
  })
})
