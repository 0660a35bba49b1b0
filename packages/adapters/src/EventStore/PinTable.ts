/** The `pins` table as the store writes it: the clean pin's columns plus the Kafka coordinates it came from. */
import type { PinRow } from "../PinStore/Types.ts"
import type { StoredTable } from "./Table.ts"

export const pinTable: StoredTable<PinRow> = {
  name: "pins",
  key: "unique_id",
  columns: [
    { name: "unique_id", sqlType: "text", value: (p) => p.unique_id },
    { name: "pin_index", sqlType: "bigint", value: (p) => p.index },
    { name: "title", sqlType: "text", value: (p) => p.title },
    { name: "description", sqlType: "text", value: (p) => p.description },
    { name: "follower_count", sqlType: "bigint", value: (p) => p.follower_count },
    { name: "tags", sqlType: "text[]", value: (p) => p.tags },
    { name: "media_type", sqlType: "text", value: (p) => p.media_type },
    { name: "image_src", sqlType: "text", value: (p) => p.image_src },
    { name: "downloaded", sqlType: "boolean", value: (p) => p.downloaded },
    { name: "save_location", sqlType: "text", value: (p) => p.save_location },
    { name: "category", sqlType: "text", value: (p) => p.category },
    { name: "ingested_at", sqlType: "timestamptz", value: (p) => p.ingested_at },
    { name: "topic", sqlType: "text", value: (p) => p.topic },
    { name: "partition", sqlType: "integer", value: (p) => p.partition },
    { name: "offset", sqlType: "bigint", value: (p) => p.offset }
  ]
}
