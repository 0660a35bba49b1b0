/**
 * Where the archive keeps things, as pure functions over object keys. Everything pinflow writes for a topic
 * is under its root `<ARCHIVE_PREFIX>raw/<topic>/` (`raw/pins/` by default):
 *   <root>dt=YYYY-MM-DD/part-<partition>-<firstOffset>-<lastOffset>.ndjson.gz   events of that UTC day
 *   <root>unreadable/part-<partition>-<firstOffset>-<lastOffset>.ndjson.gz      messages without a day
 * The topic is in the root so that two topics (two people, two test runs) sharing a bucket never write the
 * same names; the prefix puts a whole deployment's archive in its own folder. Names depend only on the
 * messages they hold, so a re-run overwrites instead of doubling. Legacy objects (the original design's one
 * `<uuid>.json` per event) are recognised under a day folder or a configured legacy prefix; any other name
 * is not ours, so it is never read nor deleted (a legacy prefix may be the bucket's top level, next to
 * other people's files). Every function takes the root, `archiveRoot` (the default topic's) when omitted.
 */

/**
 * The root of `topic`'s archive under `prefix` ("" = the bucket's top level; a missing trailing "/" is
 * added, leading ones dropped, so "team-a" and "/team-a/" are the same folder).
 */
export const archiveRootFor = (topic: string, prefix = ""): string => {
  const folder = prefix.replace(/^\/+/, "")
  return `${folder === "" || folder.endsWith("/") ? folder : `${folder}/`}raw/${topic}/`
}

/** The default root: topic `pins`, no prefix — the contract's `raw/pins/`. */
export const archiveRoot = archiveRootFor("pins")

/** The folder of the messages without a day. */
export const unreadableFolder = (root: string = archiveRoot): string => `${root}unreadable/`

/** The default root's folder of the messages without a day. */
export const unreadablePrefix = unreadableFolder()

/** The folder of one day's objects. */
export const dayPrefix = (day: string, root: string = archiveRoot): string => `${root}dt=${day}/`

/** The folder of one day's parts of one partition (for finding parts a crashed run left). */
export const partitionPrefix = (day: string | null, partition: number, root: string = archiveRoot): string =>
  `${day === null ? unreadableFolder(root) : dayPrefix(day, root)}part-${partition}-`

/** A part's key; `day` null for the unreadable folder. */
export const partKey = (
  day: string | null,
  partition: number,
  firstOffset: number,
  lastOffset: number,
  root: string = archiveRoot
): string => `${partitionPrefix(day, partition, root)}${firstOffset}-${lastOffset}.ndjson.gz`

/** What an archive key holds, or undefined for an object pinflow neither wrote nor reads. */
export type ArchivedObject =
  | {
      readonly _tag: "Part"
      readonly key: string
      /** null for a part of unreadable messages. */
      readonly day: string | null
      readonly partition: number
      readonly firstOffset: number
      readonly lastOffset: number
    }
  | { readonly _tag: "Legacy"; readonly key: string; readonly day: string | null }

const dayPattern = /^\d{4}-\d{2}-\d{2}$/
const partPattern = /^part-(\d+)-(\d+)-(\d+)\.ndjson\.gz$/
/** The original design's object name: a UUID (any version, any case) and `.json`. */
const legacyPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/i

/** Whether an object name (without its folder) is the original design's `<uuid>.json`. */
export const isLegacyName = (name: string): boolean => legacyPattern.test(name)

/** A calendar day (YYYY-MM-DD) that exists, or false. */
export const isDay = (text: string): boolean =>
  dayPattern.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text

/**
 * Reads a key: one of our parts under `root`, a legacy per-event `<uuid>.json` object directly in a day
 * folder, or (outside `root`) a legacy `<uuid>.json` directly under `legacyPrefix` ("" = the bucket's top
 * level). Another topic's or prefix's objects are not ours.
 */
export const parseKey = (
  key: string,
  legacyPrefix?: string,
  root: string = archiveRoot
): ArchivedObject | undefined => {
  if (key.startsWith(root)) {
    const rest = key.slice(root.length)
    const slash = rest.indexOf("/")
    if (slash < 0 || rest.indexOf("/", slash + 1) >= 0) return undefined
    const folder = rest.slice(0, slash)
    const name = rest.slice(slash + 1)
    const day = folder.startsWith("dt=") ? folder.slice(3) : null
    if (day === null ? folder !== "unreadable" : !isDay(day)) return undefined
    const part = partPattern.exec(name)
    if (part !== null) {
      const [partition, first, last] = [Number(part[1]), Number(part[2]), Number(part[3])]
      if (!Number.isSafeInteger(last) || first > last) return undefined
      return { _tag: "Part", key, day, partition, firstOffset: first, lastOffset: last }
    }
    return day !== null && isLegacyName(name) ? { _tag: "Legacy", key, day } : undefined
  }
  if (legacyPrefix !== undefined && key.startsWith(legacyPrefix)) {
    const name = key.slice(legacyPrefix.length)
    return isLegacyName(name) ? { _tag: "Legacy", key, day: null } : undefined
  }
  return undefined
}

/** Parts in reading order: by partition, then offset (so within a partition the last write wins). */
export const byPartitionAndOffset = (
  a: { readonly partition: number; readonly firstOffset: number },
  b: { readonly partition: number; readonly firstOffset: number }
): number => a.partition - b.partition || a.firstOffset - b.firstOffset
