/**
 * The bytes of one task snapshot (DESIGN section 6): a header line naming the format version,
 * then a JSON body. Pure; the only import is node:crypto for the SHA-256 checksum.
 *
 *   EXACTLY-SNAPSHOT v1\n{"partition":3,"entries":[["apple",2],["pear",5]]}
 *
 * The checksum is the SHA-256 (hex) of all the bytes, header included. It is stored in the
 * manifest, next to the snapshot's key, and checked before anything is parsed: a snapshot that
 * was truncated, overwritten or bit-flipped is refused, never half-restored.
 *
 * Entries are sorted by key (UTF-16 code units), so the same state always encodes to the same
 * bytes; the decoder requires that order, which also refuses a snapshot with a duplicated key.
 * Values are written as JSON: keyed-state.ts refuses values that would not survive that.
 *
 * A delta holds what changed since the previous object of the task's chain (incremental
 * checkpoints, see snapshot-chain.ts): the keys written, with their values, and the keys deleted.
 * It has a header of its own, so neither kind can be read as the other:
 *
 *   EXACTLY-DELTA v1\n{"partition":3,"entries":[["apple",3]],"deleted":["pear"]}
 *
 * Version 2 (this build writes it) has the same body; what changed is its meaning: keys that
 * begin with U+0000 are the runtime's (timers, watermarks, time-to-live, see keyed-state.ts).
 * Version 1 is still read, and a v1 object holding such a key is refused rather than read as
 * runtime entries (no job could write one then, so it would be damage, not state).
 */
import { createHash } from 'node:crypto'
import type { StateValue } from '../api/context.ts'

export const SNAPSHOT_FORMAT_VERSION = 2
const MAGIC = 'EXACTLY-SNAPSHOT v'
export const DELTA_FORMAT_VERSION = 2
/** Versions this build reads. */
const READABLE = ['1', '2']
const DELTA_MAGIC = 'EXACTLY-DELTA v'
/** The header is short; a first line longer than this is not ours. */
const MAX_HEADER_BYTES = 64

/** A snapshot's bytes are not what its manifest promised, or not a snapshot this build can read. */
export class SnapshotCorruptError extends Error {
  override name = 'SnapshotCorruptError'
  readonly code = 'EXACTLY_SNAPSHOT_CORRUPT'
  /** What is wrong, without the "Cannot decode snapshot" prefix, for callers that name the object. */
  readonly detail: string

  constructor(detail: string, options?: ErrorOptions) {
    super(`Cannot decode snapshot: ${detail}`, options)
    this.detail = detail
  }
}

export function snapshotChecksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function encodeSnapshot(
  partition: number,
  entries: Iterable<[string, StateValue]>,
): { bytes: Buffer; checksum: string } {
  checkPartition(partition)
  const body = JSON.stringify({ partition, entries: sortedByKey(entries) })
  const bytes = Buffer.from(`${MAGIC}${SNAPSHOT_FORMAT_VERSION}\n${body}`, 'utf8')
  return { bytes, checksum: snapshotChecksum(bytes) }
}

/** The keys written since the previous object of the chain, with their values, and those deleted. */
export interface StateDelta {
  entries: Array<[string, StateValue]>
  deleted: string[]
}

export function encodeDelta(partition: number, delta: StateDelta): { bytes: Buffer; checksum: string } {
  checkPartition(partition)
  const deleted = [...delta.deleted].sort(compareKeys)
  const body = JSON.stringify({ partition, entries: sortedByKey(delta.entries), deleted })
  const bytes = Buffer.from(`${DELTA_MAGIC}${DELTA_FORMAT_VERSION}\n${body}`, 'utf8')
  return { bytes, checksum: snapshotChecksum(bytes) }
}

function checkPartition(partition: number): void {
  if (!Number.isInteger(partition) || partition < 0) {
    throw new RangeError(`Cannot encode snapshot: partition must be a non-negative integer, got ${partition}`)
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function sortedByKey(entries: Iterable<[string, StateValue]>): Array<[string, StateValue]> {
  return [...entries].sort(([a], [b]) => compareKeys(a, b))
}

/** Verifies the checksum, then the header, then the body; returns the entries in key order. */
export function decodeSnapshot(bytes: Uint8Array, expectedChecksum: string): Array<[string, StateValue]> {
  return entriesOf(decodeBody(bytes, expectedChecksum, MAGIC, 'snapshot'))
}

/** Like decodeSnapshot, for a delta: entries in key order, and the deleted keys. */
export function decodeDelta(bytes: Uint8Array, expectedChecksum: string): StateDelta {
  const body = decodeBody(bytes, expectedChecksum, DELTA_MAGIC, 'delta')
  const entries = entriesOf(body)
  const deleted = (body as { deleted?: unknown }).deleted
  if (!Array.isArray(deleted) || deleted.some((k) => typeof k !== 'string')) {
    throw new SnapshotCorruptError('a delta must list its deleted keys as strings in "deleted"')
  }
  if (body.version === '1' && deleted.some((k: string) => k.startsWith('\u0000'))) throw runtimeKeyInV1()
  return { entries, deleted: deleted as string[] }
}

function decodeBody(
  bytes: Uint8Array,
  expectedChecksum: string,
  magic: string,
  kind: 'snapshot' | 'delta',
): { version: string } {
  const actual = snapshotChecksum(bytes)
  if (actual !== expectedChecksum) {
    throw new SnapshotCorruptError(`checksum mismatch (expected ${expectedChecksum}, got ${actual})`)
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const newline = buffer.indexOf(0x0a)
  if (newline < 0 || newline > MAX_HEADER_BYTES) throw new SnapshotCorruptError(`no ${kind} header line`)
  const header = buffer.subarray(0, newline).toString('utf8')
  if (!header.startsWith(magic)) {
    throw new SnapshotCorruptError(`not an exactly ${kind} (header ${JSON.stringify(header)})`)
  }
  const found = header.slice(magic.length)
  if (!READABLE.includes(found)) {
    throw new SnapshotCorruptError(
      `unknown ${kind} format version ${JSON.stringify(found)} (this build reads versions ${READABLE.join(' and ')})`,
    )
  }
  try {
    const body = JSON.parse(buffer.subarray(newline + 1).toString('utf8'))
    if (typeof body === 'object' && body !== null) Object.defineProperty(body, 'version', { value: found })
    return body
  } catch (error) {
    throw new SnapshotCorruptError(`body is not JSON (${(error as Error).message})`, { cause: error })
  }
}

function runtimeKeyInV1(): SnapshotCorruptError {
  return new SnapshotCorruptError('a version 1 object holds a key beginning with U+0000, which no job could write')
}

function entriesOf(body: { version: string }): Array<[string, StateValue]> {
  const entries = (body as { entries?: unknown } | null)?.entries
  const partition = (body as { partition?: unknown } | null)?.partition
  if (typeof partition !== 'number' || !Array.isArray(entries)) {
    throw new SnapshotCorruptError('body must be an object with "partition" and "entries"')
  }
  let previous: string | undefined
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i]
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw new SnapshotCorruptError(`entry ${i} is not a [key, value] pair`)
    }
    if (previous !== undefined && !(previous < entry[0])) {
      throw new SnapshotCorruptError(`entry ${i} (key ${JSON.stringify(entry[0])}) is out of order or duplicated`)
    }
    previous = entry[0]
    if (body.version === '1' && entry[0].startsWith('\u0000')) throw runtimeKeyInV1()
  }
  return entries as Array<[string, StateValue]>
}
