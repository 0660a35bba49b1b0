/**
 * How a record is laid out in a segment file: payload length and CRC-32 of the payload (both u32 LE),
 * then the payload — append time (f64 LE), key length (i32 LE, -1 for no key), key and value (UTF-8).
 * The offset is not stored: it is the segment's base plus the record's position in it. A record whose
 * length runs past the end of the file or whose checksum does not match is a torn write.
 */
import { crc32 } from "node:zlib"

export const headerBytes = 8
const fixedPayloadBytes = 12

export interface EncodedMessage {
  readonly key: string | null
  readonly value: string
}

export interface DecodedRecord {
  readonly key: string | null
  readonly value: string
  readonly timestamp: number
}

/** The records, back to back, as one buffer; `ends[i]` is where record i ends, relative to the buffer. */
export const encodeRecords = (
  messages: ReadonlyArray<EncodedMessage>,
  timestamp: number
): { readonly bytes: Uint8Array; readonly ends: ReadonlyArray<number> } => {
  const parts = messages.map((m) => ({
    key: m.key === null ? null : Buffer.from(m.key, "utf8"),
    value: Buffer.from(m.value, "utf8")
  }))
  const total = parts.reduce((n, p) => n + headerBytes + fixedPayloadBytes + (p.key?.length ?? 0) + p.value.length, 0)
  const bytes = Buffer.allocUnsafe(total)
  const ends: Array<number> = []
  let at = 0
  for (const p of parts) {
    const payloadLength = fixedPayloadBytes + (p.key?.length ?? 0) + p.value.length
    const payload = at + headerBytes
    bytes.writeDoubleLE(timestamp, payload)
    bytes.writeInt32LE(p.key === null ? -1 : p.key.length, payload + 8)
    let cursor = payload + fixedPayloadBytes
    if (p.key !== null) cursor += p.key.copy(bytes, cursor)
    p.value.copy(bytes, cursor)
    bytes.writeUInt32LE(payloadLength, at)
    bytes.writeUInt32LE(crc32(bytes.subarray(payload, payload + payloadLength)), at + 4)
    at = payload + payloadLength
    ends.push(at)
  }
  return { bytes, ends }
}

/** The length of the whole record (header included) starting at `at`, or undefined when it is torn. */
const validRecordLength = (bytes: Buffer, at: number): number | undefined => {
  if (at + headerBytes > bytes.length) return undefined
  const payloadLength = bytes.readUInt32LE(at)
  const payload = at + headerBytes
  if (payloadLength < fixedPayloadBytes || payload + payloadLength > bytes.length) return undefined
  const keyLength = bytes.readInt32LE(payload + 8)
  if (keyLength < -1 || keyLength > payloadLength - fixedPayloadBytes) return undefined
  if (crc32(bytes.subarray(payload, payload + payloadLength)) !== bytes.readUInt32LE(at + 4)) return undefined
  return headerBytes + payloadLength
}

/** Where each whole record starts, and where the valid part ends (the rest is a torn tail). */
export const scanRecords = (
  bytes: Uint8Array
): { readonly starts: ReadonlyArray<number>; readonly validEnd: number } => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const starts: Array<number> = []
  let at = 0
  for (let length = validRecordLength(buffer, at); length !== undefined; length = validRecordLength(buffer, at)) {
    starts.push(at)
    at += length
  }
  return { starts, validEnd: at }
}

/** Decodes the whole records in `bytes` (written by `encodeRecords`, already checked on open). */
export const decodeRecords = (bytes: Uint8Array, count: number): ReadonlyArray<DecodedRecord> => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Array<DecodedRecord> = []
  let at = 0
  while (out.length < count && at + headerBytes <= buffer.length) {
    const payloadLength = buffer.readUInt32LE(at)
    const payload = at + headerBytes
    const timestamp = buffer.readDoubleLE(payload)
    const keyLength = buffer.readInt32LE(payload + 8)
    const keyStart = payload + fixedPayloadBytes
    const valueStart = keyStart + Math.max(0, keyLength)
    const end = payload + payloadLength
    out.push({
      timestamp,
      key: keyLength < 0 ? null : buffer.toString("utf8", keyStart, valueStart),
      value: buffer.toString("utf8", valueStart, end)
    })
    at = end
  }
  return out
}
