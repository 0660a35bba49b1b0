/** Every migration, in order. A new migration is a new numbered file plus one line here; never edit an applied one. */
import type { Migration } from "../Migrations.ts"
import { migration as m0001 } from "./0001_initial.ts"
import { migration as m0002 } from "./0002_batch_reject_location.ts"
import { migration as m0003 } from "./0003_batch_run_read_through.ts"
import { migration as m0006 } from "./0006_dashboard_indexes.ts"
import { migration as m0007 } from "./0007_batch_staged_pins.ts"
import { migration as m0008 } from "./0008_geo_users_insights.ts"
import { migration as m0009 } from "./0009_reject_event_type.ts"
import { migration as m0010 } from "./0010_insight_refresh.ts"
import { migration as m0011 } from "./0011_geo_user_offsets.ts"

export const migrations: ReadonlyArray<Migration> = [m0001, m0002, m0003, m0006, m0007, m0008, m0009, m0010, m0011]
