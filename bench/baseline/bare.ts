/**
 * Issue 14's bare-runtime ceiling for `npm run bench -- ingest`: node:http, JSON.parse of the body, 200 —
 * no validation, no Kafka. Its own file, importing node:http alone, so its peak RSS is the runtime's.
 * `node bench/baseline/bare.ts <port>`.
 */
import { createServer } from "node:http"

const port = Number(process.argv[2] ?? 18_199)

createServer((req, res) => {
  if (req.method !== "POST") return void res.end("ok")
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString())
    } catch {
      res.statusCode = 400
      return void res.end()
    }
    res.setHeader("content-type", "application/json")
    res.end('{"status":"accepted"}')
  })
}).listen(port, "127.0.0.1")
process.once("SIGTERM", () => process.exit(0))
