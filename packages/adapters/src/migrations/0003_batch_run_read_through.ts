/**
 * Migration 3: what a batch run's processing read (`read_through`: the creation time of the newest archive
 * object it read), so that retention deletes only objects a succeeded processing of their day read, and
 * objects that arrived later (late events archived the next night) are processed before they go.
 */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 3,
  name: "batch_run_read_through",
  sql: `
alter table batch_runs add column read_through timestamptz;
comment on column batch_runs.read_through is
  'creation time of the newest archive object this run processed; objects of the day created later were not read';
-- runs recorded before: their processing read at most what existed when they finished
update batch_runs set read_through = finished_at where status = 'succeeded';
`
}
