/**
 * The dashboard's configuration: the key that guards the page and `/api/` (`DASHBOARD_KEY`, else the
 * edge's `INGEST_API_KEY`; none = open) and the `/metrics` URLs of the programs (`DASHBOARD_METRICS`,
 * comma-separated).
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"

export interface DashboardSettingsShape {
  readonly key: Option.Option<Redacted.Redacted<string>>
  readonly metricsUrls: ReadonlyArray<string>
}

export class DashboardSettings extends Context.Service<DashboardSettings, DashboardSettingsShape>()(
  "pinflow/dashboard/DashboardSettings"
) {
  static readonly layer = Layer.effect(
    DashboardSettings,
    Effect.gen(function* () {
      const own = yield* Config.option(Config.Redacted("DASHBOARD_KEY"))
      const edge = yield* Config.option(Config.Redacted("INGEST_API_KEY"))
      const urls = yield* Config.String("DASHBOARD_METRICS").pipe(Config.withDefault(""))
      const key = Option.filter(
        Option.orElse(own, () => edge),
        (k) => Redacted.value(k) !== ""
      )
      return DashboardSettings.of({
        key,
        metricsUrls: urls
          .split(",")
          .map((u) => u.trim())
          .filter((u) => u !== "")
      })
    })
  )
}
