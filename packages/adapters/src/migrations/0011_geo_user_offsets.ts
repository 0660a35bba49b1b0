/**
 * Migration 11: `geo_events` and `users` keep the Kafka coordinates of each row's message, as `pins` do, so
 * rule 9's upsert guard can break an `ingested_at` tie by the offset (one `/geos` request stamps all its
 * events alike; two batches of one partition may commit in either order). Rows written before it keep null
 * coordinates: any row with an offset replaces them on a tie.
 */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 11,
  name: "geo_user_offsets",
  sql: `
alter table geo_events add column topic text, add column partition integer, add column "offset" bigint;
alter table users add column topic text, add column partition integer, add column "offset" bigint;
`
}
