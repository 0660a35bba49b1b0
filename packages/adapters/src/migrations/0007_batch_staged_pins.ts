/**
 * Migration 7: where the batch stages a day's clean pins so the database aggregates them (latest version
 * per pin, medians with `percentile_cont`), keeping the batch's own memory independent of the number of
 * pins. Unlogged: it is scratch space, emptied before and after each day (a crash loses nothing that the
 * archive cannot give again); one day at a time, as runs hold the batch lock.
 */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 7,
  name: "batch_staged_pins",
  sql: `
create unlogged table batch_staged_pins (
  seq            bigint not null,
  unique_id      text not null,
  ingested_ms    double precision not null,
  category       text,
  follower_count double precision,
  downloaded     boolean not null,
  media_type     text not null,
  tags           text[] not null
);
comment on table batch_staged_pins is
  'batch scratch: the clean pins of the day being processed, in reading order (seq); empty between runs';
`
}
