/**
 * The ingest program: the HTTP edge on `HOST`:`PORT` (default 0.0.0.0:8000) over the kafkajs PinLog.
 * `pinflow ingest` runs `runIngest`, as `node packages/ingest/src/main.ts` does. On SIGTERM the server stops
 * accepting, finishes in-flight requests, the log flushes, the process exits 0.
 */
import { KafkaClient, LogLevelLayer, PinLog } from "@pinflow/adapters"
import { Effect, Layer } from "effect"
import { IngestServer, NodeServerLayer } from "./IngestServer.ts"

/** The edge, the Kafka log and the shared client. */
export const IngestProgram = IngestServer.pipe(
  Layer.provide(NodeServerLayer),
  Layer.provide(PinLog.layer),
  Layer.provide(KafkaClient.layerConfig({ clientId: "pinflow-ingest" })),
  Layer.provide(LogLevelLayer)
)

export const runIngest = Layer.launch(IngestProgram).pipe(Effect.annotateLogs({ service: "ingest" }))
