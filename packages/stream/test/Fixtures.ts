/** Events and records for the stream tests. */
import type { SourceRecord } from "@pinflow/adapters"

export const ingestedAt = "2026-11-26T10:00:00.000Z"

/** A logged pin event (as the edge appends it) as JSON. */
export const event = (id: string, overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    index: 1,
    unique_id: id,
    title: `Title ${id}`,
    description: "A description",
    follower_count: "1.5k",
    tag_list: "a,b, a ,c",
    is_image_or_video: "image",
    image_src: "https://example.com/i.jpg",
    downloaded: 1,
    save_location: "Local save in /data/art",
    category: "art",
    ingested_at: ingestedAt,
    ...overrides
  })

export const record = (value: string, offset: number, overrides: Partial<SourceRecord> = {}): SourceRecord => ({
  topic: "pins",
  partition: 0,
  offset,
  key: null,
  value,
  timestamp: 0,
  highWatermark: offset + 1,
  generation: 0,
  ...overrides
})
