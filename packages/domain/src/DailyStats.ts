/**
 * Daily analytics over clean pins, as pure functions: per day and category (distinct pins, median
 * follower count, downloaded ratio, counts per media type) and per day and tag (pins carrying it).
 * A pin's day is the UTC date of its `ingested_at`; repeats of a `unique_id` count once, as their latest
 * version: the later `ingested_at`, and between equal times the later one added — the same order the
 * stream worker's upsert keeps in `pins`, so daily stats and `pins` agree.
 */
import type { CleanPin, MediaType } from "./CleanPin.ts"
import { isoInstantMillis } from "./IsoInstant.ts"

/** The facts of a pin the aggregates need, with its day. */
export interface DatedPin {
  readonly unique_id: string
  readonly day: string
  /** `ingested_at` in epoch milliseconds: which of two versions of a pin is the latest. */
  readonly ingested_ms: number
  readonly category: string | null
  readonly follower_count: number | null
  readonly downloaded: boolean
  readonly media_type: MediaType
  readonly tags: ReadonlyArray<string>
}

export interface DailyCategoryStats {
  readonly day: string
  /** `(none)` stands for pins whose category was empty. */
  readonly category: string
  readonly pins: number
  /** Over known counts; the mean of the two middle values when even (`percentile_cont(0.5)`); null if none. */
  readonly median_follower_count: number | null
  readonly downloaded_ratio: number
  readonly images: number
  readonly videos: number
  readonly stories: number
}

export interface DailyTagCount {
  readonly day: string
  readonly tag: string
  readonly pins: number
}

export interface DailyAggregates {
  readonly categories: ReadonlyArray<DailyCategoryStats>
  readonly tags: ReadonlyArray<DailyTagCount>
}

export const noCategory = "(none)"

const calendarDay = /^\d{4}-\d{2}-\d{2}$/

/** The UTC calendar day (YYYY-MM-DD, years 0001–9999) of a timestamp, or null when it names none. */
export const utcDay = (isoTime: string): string | null => {
  const millis = Date.parse(isoTime)
  if (Number.isNaN(millis)) return null
  const day = new Date(millis).toISOString().slice(0, 10)
  // years past 9999 print as "+275760-…", before 0001 as "-000001-…" or "0000-…": no folder, no table row
  return calendarDay.test(day) && !day.startsWith("0000") ? day : null
}

/**
 * A clean pin with its day, or null for a pin that never went through the edge (no `ingested_at`, or one
 * that names no instant of years 0001–9999, which cleaning refuses anyway).
 */
export const datedPin = (pin: CleanPin): DatedPin | null => {
  const ingested_ms = pin.ingested_at === undefined ? undefined : isoInstantMillis(pin.ingested_at)
  return ingested_ms === undefined
    ? null
    : {
        unique_id: pin.unique_id,
        day: new Date(ingested_ms).toISOString().slice(0, 10),
        ingested_ms,
        category: pin.category,
        follower_count: pin.follower_count,
        downloaded: pin.downloaded,
        media_type: pin.media_type,
        tags: pin.tags
      }
}

/** `percentile_cont(0.5)`: the middle value, or the mean of the two middle values; null when empty. */
export const median = (values: ReadonlyArray<number>): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const upper = sorted[middle] as number
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2
}

/**
 * An accumulator for aggregating a stream of pins without holding the stream: it keeps only the last
 * facts per (day, unique_id). Use it linearly: `add` returns the accumulator it was given.
 */
export interface DailyAccumulator {
  readonly latest: Map<string, DatedPin>
}

export const emptyAccumulator = (): DailyAccumulator => ({ latest: new Map() })

export const accumulate = (accumulator: DailyAccumulator, pin: DatedPin): DailyAccumulator => {
  const key = `${pin.day}\u0000${pin.unique_id}`
  const known = accumulator.latest.get(key)
  if (known === undefined || known.ingested_ms <= pin.ingested_ms) accumulator.latest.set(key, pin)
  return accumulator
}

interface CategoryTally {
  pins: number
  downloaded: number
  images: number
  videos: number
  stories: number
  followerCounts: Array<number>
}

const byKey =
  <A extends { readonly day: string }>(key: (a: A) => string) =>
  (a: A, b: A): number =>
    a.day < b.day ? -1 : a.day > b.day ? 1 : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0

/** The aggregates of everything accumulated, sorted by day then category / tag. */
export const aggregates = (accumulator: DailyAccumulator): DailyAggregates => {
  const categories = new Map<string, { day: string; category: string; tally: CategoryTally }>()
  const tags = new Map<string, { day: string; tag: string; pins: number }>()
  for (const pin of accumulator.latest.values()) {
    const category = pin.category ?? noCategory
    const categoryKey = `${pin.day}\u0000${category}`
    let entry = categories.get(categoryKey)
    if (entry === undefined) {
      entry = {
        day: pin.day,
        category,
        tally: { pins: 0, downloaded: 0, images: 0, videos: 0, stories: 0, followerCounts: [] }
      }
      categories.set(categoryKey, entry)
    }
    const tally = entry.tally
    tally.pins += 1
    if (pin.downloaded) tally.downloaded += 1
    if (pin.media_type === "image") tally.images += 1
    else if (pin.media_type === "video") tally.videos += 1
    else tally.stories += 1
    if (pin.follower_count !== null) tally.followerCounts.push(pin.follower_count)
    for (const tag of new Set(pin.tags)) {
      const tagKey = `${pin.day}\u0000${tag}`
      const count = tags.get(tagKey)
      if (count === undefined) tags.set(tagKey, { day: pin.day, tag, pins: 1 })
      else count.pins += 1
    }
  }
  return {
    categories: [...categories.values()]
      .map(
        ({ day, category, tally }): DailyCategoryStats => ({
          day,
          category,
          pins: tally.pins,
          median_follower_count: median(tally.followerCounts),
          downloaded_ratio: tally.downloaded / tally.pins,
          images: tally.images,
          videos: tally.videos,
          stories: tally.stories
        })
      )
      .sort(byKey((s) => s.category)),
    tags: [...tags.values()].sort(byKey((t) => t.tag))
  }
}

/** Aggregates a finite collection of pins in one call. */
export const aggregateDaily = (pins: Iterable<DatedPin>): DailyAggregates => {
  const accumulator = emptyAccumulator()
  for (const pin of pins) accumulate(accumulator, pin)
  return aggregates(accumulator)
}
