/** Migration 1: every table of design.md "Postgres tables". */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 1,
  name: "initial",
  sql: `
create table pins (
  unique_id      text primary key,
  pin_index      bigint not null,
  title          text,
  description    text,
  follower_count bigint,
  tags           text[] not null default '{}',
  media_type     text not null check (media_type in ('image', 'video', 'story')),
  image_src      text,
  downloaded     boolean not null,
  save_location  text not null,
  category       text,
  ingested_at    timestamptz,
  processed_at   timestamptz not null default now(),
  -- Kafka coordinates of the message that wrote this version of the row
  topic          text,
  partition      integer,
  "offset"       bigint
);
create index pins_ingested_at on pins (ingested_at);

create table pin_rejects (
  id          bigint generated always as identity primary key,
  reason      text not null,
  detail      text not null,
  unique_id   text,
  raw         text not null,
  source      text not null check (source in ('ingest', 'stream', 'batch')),
  topic       text,
  partition   integer,
  "offset"    bigint,
  rejected_at timestamptz not null default now()
);
-- a replayed message lands once per source (NULL coordinates are never equal, so batch rows without them are free)
create unique index pin_rejects_message on pin_rejects (source, topic, partition, "offset");
create index pin_rejects_reason on pin_rejects (reason, rejected_at);

create table daily_category_stats (
  day                   date not null,
  category              text not null,
  pins                  integer not null,
  median_follower_count double precision,
  downloaded_ratio      double precision not null,
  images                integer not null,
  videos                integer not null,
  stories               integer not null,
  primary key (day, category)
);

create table daily_tag_counts (
  day  date not null,
  tag  text not null,
  pins integer not null,
  primary key (day, tag)
);

create table batch_runs (
  id          bigint generated always as identity primary key,
  day         date not null,
  status      text not null check (status in ('running', 'succeeded', 'failed')),
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  counts      jsonb not null default '{}',
  error       text
);
create index batch_runs_day on batch_runs (day, started_at);
`
}
