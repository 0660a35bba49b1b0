/**
 * Migration 2: where in the archive a batch reject was found (object key and 1-based line), so that
 * re-processing a day records each reject once; archive rejects have no Kafka offset per line.
 */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 2,
  name: "batch_reject_location",
  sql: `
alter table pin_rejects add column object_key text;
alter table pin_rejects add column line integer;
create unique index pin_rejects_archive_line on pin_rejects (object_key, line) where object_key is not null;
`
}
