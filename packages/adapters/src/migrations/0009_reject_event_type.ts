/** Migration 9: rejects of every event type in one table, told apart by `event_type` (design.md "Geo and user events"). */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 9,
  name: "reject_event_type",
  // the rows before it were all pins'; the table keeps its name so every existing query and grant still holds
  sql: `
alter table pin_rejects add column event_type text not null default 'pin';
create index pin_rejects_event_type on pin_rejects (event_type, rejected_at);
`
}
