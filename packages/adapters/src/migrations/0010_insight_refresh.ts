/** Migration 10: when the insight tables were last refreshed, one row written by the refresh's own transaction. */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 10,
  name: "insight_refresh",
  // `singleton` is the primary key and always true: the table holds at most one row
  sql: `
create table insight_refresh (
  singleton boolean primary key default true check (singleton),
  refreshed_at timestamptz not null
);
`
}
