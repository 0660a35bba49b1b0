/** The archive root: `<ARCHIVE_PREFIX>raw/<topic>/`, so topics and prefixes sharing a bucket never share a name. */
import { ConfigProvider, Effect } from "effect"
import { assert, describe, it } from "vitest"
import {
  archiveRoot,
  archiveRootFor,
  dayPrefix,
  parseKey,
  partKey,
  unreadableFolder
} from "../../packages/batch/src/ArchiveLayout.ts"
import { archiveRootOf, BatchSettingsConfig, defaultBatchSettings } from "../../packages/batch/src/BatchSettings.ts"

describe("archive root", () => {
  it("is the contract's raw/pins/ for the default topic and no prefix", () => {
    assert.strictEqual(archiveRoot, "raw/pins/")
    assert.strictEqual(archiveRootOf(defaultBatchSettings), "raw/pins/")
    assert.strictEqual(partKey("2026-11-26", 3, 1200, 5400), "raw/pins/dt=2026-11-26/part-3-1200-5400.ndjson.gz")
  })

  it("carries the topic and the prefix (one trailing slash, no leading one)", () => {
    assert.strictEqual(archiveRootFor("clicks"), "raw/clicks/")
    for (const prefix of ["team-a", "team-a/", "/team-a/", "//team-a"])
      assert.strictEqual(archiveRootFor("clicks", prefix), "team-a/raw/clicks/", prefix)
    assert.strictEqual(archiveRootFor("pins", "a/b"), "a/b/raw/pins/")
    const root = archiveRootFor("clicks", "team-a")
    assert.strictEqual(dayPrefix("2026-11-26", root), "team-a/raw/clicks/dt=2026-11-26/")
    assert.strictEqual(unreadableFolder(root), "team-a/raw/clicks/unreadable/")
    assert.strictEqual(partKey(null, 0, 7, 9, root), "team-a/raw/clicks/unreadable/part-0-7-9.ndjson.gz")
  })

  it("reads only its own root's keys", () => {
    const mine = archiveRootFor("clicks", "team-a")
    const key = partKey("2026-11-26", 1, 5, 8, mine)
    assert.deepStrictEqual(parseKey(key, undefined, mine), {
      _tag: "Part",
      key,
      day: "2026-11-26",
      partition: 1,
      firstOffset: 5,
      lastOffset: 8
    })
    for (const other of [archiveRoot, archiveRootFor("clicks"), archiveRootFor("pins", "team-a")]) {
      assert.isUndefined(parseKey(key, undefined, other), other)
      assert.isUndefined(parseKey(partKey("2026-11-26", 1, 5, 8, other), undefined, mine), other)
    }
  })

  it("ARCHIVE_PREFIX and PINS_TOPIC set the batch's root", async () => {
    const settings = await Effect.runPromise(
      BatchSettingsConfig.parse(ConfigProvider.fromUnknown({ ARCHIVE_PREFIX: " team-a ", PINS_TOPIC: "clicks" }))
    )
    assert.strictEqual(archiveRootOf(settings), "team-a/raw/clicks/")
    const defaults = await Effect.runPromise(BatchSettingsConfig.parse(ConfigProvider.fromUnknown({})))
    assert.strictEqual(archiveRootOf(defaults), "raw/pins/")
  })
})
