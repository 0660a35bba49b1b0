/** Every port the programs of `pinflow start` need, on the backends `Backends` chose. */
import {
  AnalyticsStore,
  type Database,
  Migrations,
  type ObjectStore,
  type PinLog,
  type PinSource,
  PinStore
} from "@pinflow/adapters"
import { BatchSettings } from "@pinflow/batch"
import { StreamSettings } from "@pinflow/stream"
import { Layer } from "effect"
import { type BackendChoice, databaseLayer, logLayer, objectStoreLayer } from "./Backends.ts"

/** Every port the programs need. */
export type StartServices =
  | Database
  | PinLog
  | PinSource
  | PinStore
  | AnalyticsStore
  | ObjectStore
  | StreamSettings
  | BatchSettings

/** Every port the programs need, on the chosen backends; migrations run before anything writes. */
export const StartServices = (choice: BackendChoice): Layer.Layer<StartServices, unknown> =>
  Layer.mergeAll(
    logLayer(choice),
    Layer.mergeAll(PinStore.layer, AnalyticsStore.layer).pipe(
      Layer.provideMerge(Migrations.layer),
      Layer.provideMerge(databaseLayer(choice))
    ),
    objectStoreLayer(choice),
    StreamSettings.layer,
    BatchSettings.layer
  )
