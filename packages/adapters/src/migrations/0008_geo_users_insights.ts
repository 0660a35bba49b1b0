/**
 * Migration 8: the geo and user events of design.md "Geo and user events" (`geo_events`, `users`, keyed
 * on `ind` = the pin's `pin_index`) and the insight tables every batch run refreshes from
 * `pins` ⋈ `geo_events` / `pins` ⋈ `users` (see `AnalyticsStore/Insights.ts`). One row per group: the
 * primary keys say which.
 */
import type { Migration } from "../Migrations.ts"

export const migration: Migration = {
  version: 8,
  name: "geo_users_insights",
  sql: `
create table geo_events (
  ind          bigint primary key,
  event_time   timestamptz,
  latitude     double precision,
  longitude    double precision,
  coordinates  double precision[],
  country      text,
  ingested_at  timestamptz,
  processed_at timestamptz
);

create table users (
  ind          bigint primary key,
  user_name    text,
  age          integer,
  date_joined  timestamptz,
  ingested_at  timestamptz,
  processed_at timestamptz
);

create table insight_category_by_country (
  country        text primary key,
  category       text not null,
  category_count bigint not null
);

create table insight_category_by_year (
  post_year      integer primary key,
  category       text not null,
  category_count bigint not null
);

create table insight_top_user_by_country (
  country        text primary key,
  user_name      text,
  follower_count bigint not null
);

create table insight_category_by_age_group (
  age_group      text primary key,
  category       text not null,
  category_count bigint not null
);

create table insight_median_followers_by_age_group (
  age_group             text primary key,
  median_follower_count double precision not null
);

create table insight_users_joined_by_year (
  join_year           integer primary key,
  number_users_joined bigint not null
);

create table insight_median_followers_by_join_year (
  join_year             integer primary key,
  median_follower_count double precision not null
);

create table insight_median_followers_by_join_year_and_age_group (
  join_year             integer not null,
  age_group             text not null,
  median_follower_count double precision not null,
  primary key (join_year, age_group)
);
`
}
