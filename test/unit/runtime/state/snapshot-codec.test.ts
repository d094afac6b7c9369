import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { StateValue } from '../../../../runtime/api/context.ts'
import {
  decodeDelta,
  decodeSnapshot,
  encodeDelta,
  encodeSnapshot,
  SnapshotCorruptError,
} from '../../../../runtime/state/snapshot-codec.ts'

const entries: Array<[string, StateValue]> = [
  ['pear', 5],
  ['apple', { count: 2, seen: ['a', 'b'], last: null, ok: true }],
  ['Ünïcode ✓', 'value with "quotes"\nand a newline'],
]

/** Bytes with a valid checksum, for testing what comes after the checksum check. */
function withChecksum(text: string): { bytes: Buffer; checksum: string } {
  const bytes = Buffer.from(text, 'utf8')
  return { bytes, checksum: createHash('sha256').update(bytes).digest('hex') }
}

function decodeError(bytes: Buffer, checksum: string): SnapshotCorruptError {
  try {
    decodeSnapshot(bytes, checksum)
  } catch (error) {
    expect(error).toBeInstanceOf(SnapshotCorruptError)
    return error as SnapshotCorruptError
  }
  throw new Error('decodeSnapshot() accepted corrupt bytes')
}

describe('encodeSnapshot()', () => {
  it('round-trips through decodeSnapshot(), entries in key order', () => {
    const { bytes, checksum } = encodeSnapshot(3, entries)
    expect(decodeSnapshot(bytes, checksum)).toEqual([entries[1], entries[0], entries[2]])
  })

  it('round-trips an empty state', () => {
    const { bytes, checksum } = encodeSnapshot(0, [])
    expect(decodeSnapshot(bytes, checksum)).toEqual([])
  })

  it('encodes the same state to the same bytes whatever the insertion order', () => {
    const a = encodeSnapshot(1, entries)
    const b = encodeSnapshot(1, [...entries].reverse())
    expect(a.bytes.equals(b.bytes)).toBe(true)
    expect(a.checksum).toBe(b.checksum)
  })

  it('writes a versioned header and the SHA-256 of all bytes as checksum', () => {
    const { bytes, checksum } = encodeSnapshot(7, [['k', 1]])
    expect(bytes.toString('utf8')).toBe('EXACTLY-SNAPSHOT v2\n{"partition":7,"entries":[["k",1]]}')
    expect(checksum).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  it('rejects a negative or fractional partition', () => {
    expect(() => encodeSnapshot(-1, [])).toThrow(RangeError)
    expect(() => encodeSnapshot(1.5, [])).toThrow(/partition must be a non-negative integer, got 1.5/)
  })
})

describe('decodeSnapshot()', () => {
  it('rejects a flipped byte, naming both checksums', () => {
    const { bytes, checksum } = encodeSnapshot(3, entries)
    const flipped = Buffer.from(bytes)
    flipped[30] = flipped[30]! ^ 0x01
    const error = decodeError(flipped, checksum)
    const actual = createHash('sha256').update(flipped).digest('hex')
    expect(error.code).toBe('EXACTLY_SNAPSHOT_CORRUPT')
    expect(error.message).toBe(`Cannot decode snapshot: checksum mismatch (expected ${checksum}, got ${actual})`)
    expect(error.detail).toBe(`checksum mismatch (expected ${checksum}, got ${actual})`)
  })

  it('rejects a truncated snapshot', () => {
    const { bytes, checksum } = encodeSnapshot(3, entries)
    expect(decodeError(bytes.subarray(0, bytes.length - 1), checksum).detail).toMatch(/^checksum mismatch/)
  })

  it('refuses an unknown format version by name', () => {
    const { bytes, checksum } = withChecksum('EXACTLY-SNAPSHOT v3\n{"partition":0,"entries":[]}')
    expect(decodeError(bytes, checksum).detail).toBe(
      'unknown snapshot format version "3" (this build reads versions 1 and 2)',
    )
  })

  it('reads version 1, as builds before timers wrote it, and refuses runtime keys in it', () => {
    // The exact bytes the v1 encoder wrote (its own test pinned them).
    const v1 = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":7,"entries":[["apple",2],["k",1]]}')
    expect(decodeSnapshot(v1.bytes, v1.checksum)).toEqual([
      ['apple', 2],
      ['k', 1],
    ])
    const delta = withChecksum('EXACTLY-DELTA v1\n{"partition":7,"entries":[["apple",3]],"deleted":["k"]}')
    expect(decodeDelta(delta.bytes, delta.checksum)).toEqual({ entries: [['apple', 3]], deleted: ['k'] })
    const runtime = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":7,"entries":[["\\u0000wm",1]]}')
    expect(decodeError(runtime.bytes, runtime.checksum).detail).toMatch(
      /version 1 object holds a key beginning with U\+0000/,
    )
    const v2 = withChecksum('EXACTLY-SNAPSHOT v2\n{"partition":7,"entries":[["\\u0000wm",1]]}')
    expect(decodeSnapshot(v2.bytes, v2.checksum)).toEqual([['\u0000wm', 1]])
  })

  it('refuses bytes that are not an exactly snapshot', () => {
    const json = withChecksum('{"partition":0,"entries":[]}')
    expect(decodeError(json.bytes, json.checksum).detail).toBe('no snapshot header line')
    const other = withChecksum('SOMETHING-ELSE v1\n{}')
    expect(decodeError(other.bytes, other.checksum).detail).toBe('not an exactly snapshot (header "SOMETHING-ELSE v1")')
  })

  it('refuses a body that is not JSON or not the expected shape', () => {
    const broken = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":0,')
    expect(decodeError(broken.bytes, broken.checksum).detail).toMatch(/^body is not JSON/)
    const shape = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":0,"entries":[["k"]]}')
    expect(decodeError(shape.bytes, shape.checksum).detail).toBe('entry 0 is not a [key, value] pair')
  })

  it('refuses a duplicated or unordered key', () => {
    const dup = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":0,"entries":[["a",1],["a",2]]}')
    expect(decodeError(dup.bytes, dup.checksum).detail).toBe('entry 1 (key "a") is out of order or duplicated')
    const unordered = withChecksum('EXACTLY-SNAPSHOT v1\n{"partition":0,"entries":[["b",1],["a",2]]}')
    expect(decodeError(unordered.bytes, unordered.checksum).detail).toMatch(/entry 1 \(key "a"\)/)
  })
})

describe('encodeDelta()', () => {
  it('round-trips through decodeDelta(), entries and deletions in key order', () => {
    const { bytes, checksum } = encodeDelta(2, {
      entries: [
        ['b', 2],
        ['a', { x: [1] }],
      ],
      deleted: ['z', 'c'],
    })
    expect(bytes.toString('utf8').split('\n')[0]).toBe('EXACTLY-DELTA v2')
    expect(decodeDelta(bytes, checksum)).toEqual({
      entries: [
        ['a', { x: [1] }],
        ['b', 2],
      ],
      deleted: ['c', 'z'],
    })
  })

  it('cannot be read as a snapshot, nor a snapshot as a delta', () => {
    const delta = encodeDelta(0, { entries: [], deleted: ['a'] })
    expect(() => decodeSnapshot(delta.bytes, delta.checksum)).toThrow(
      /not an exactly snapshot \(header "EXACTLY-DELTA v2"\)/,
    )
    const snapshot = encodeSnapshot(0, [])
    expect(() => decodeDelta(snapshot.bytes, snapshot.checksum)).toThrow(/not an exactly delta/)
  })

  it('refuses a delta whose checksum does not match', () => {
    const { bytes } = encodeDelta(0, { entries: [['a', 1]], deleted: [] })
    expect(() => decodeDelta(bytes, '0'.repeat(64))).toThrow(SnapshotCorruptError)
  })
})
