import { describe, expect, it } from 'vitest'
import { CheckpointCorruptError } from '../../../../runtime/checkpoint/checkpoint-errors.ts'
import {
  chainFormatVersion,
  decodeHead,
  decodeManifest,
  decodeRestorePoint,
  encodeHead,
  encodeManifest,
  encodeRestorePoint,
  type Head,
  type Manifest,
  type RestorePoint,
} from '../../../../runtime/checkpoint/manifest.ts'

const job = { namespace: 'team-a', name: 'word-count', uid: '3f2a-uid' }
const task = {
  partition: 2,
  offsets: { words: '18446744073709551615' },
  snapshot: { key: 'team-a/word-count/g1/s0/chk-0000000004-a1/task-2.snap', checksum: 'ab'.repeat(32), bytes: 120 },
}
const manifest: Manifest = {
  formatVersion: 1,
  job,
  generation: 1,
  slot: 0,
  attempt: 1,
  checkpointId: 4,
  createdAt: '2025-01-02T03:04:05.678Z',
  tasks: [task],
  committable: { transactionalId: '3f2a-uid-g1-s0-1', producerId: '4000', epoch: 3 },
  recordsIn: 10,
  recordsOut: 7,
}
const head: Head = {
  formatVersion: 1,
  generation: 1,
  slot: 0,
  attempt: 2,
  checkpointId: 4,
  checkpointAttempt: 1,
  pool: ['3f2a-uid-g1-s0-0', '3f2a-uid-g1-s0-1', '3f2a-uid-g1-s0-2'],
  committableDone: false,
}
const KEY = 'some/key.json'

function corrupt(decode: () => unknown): CheckpointCorruptError {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointCorruptError)
    return error as CheckpointCorruptError
  }
  throw new Error('the decoder accepted a bad document')
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

describe('encodeManifest()', () => {
  it('round-trips through decodeManifest()', () => {
    expect(decodeManifest(encodeManifest(manifest), KEY)).toEqual(manifest)
    expect(decodeManifest(encodeManifest({ ...manifest, committable: null }), KEY).committable).toBeNull()
  })

  it('refuses to write a manifest the decoder would refuse', () => {
    const bad = { ...manifest, tasks: [{ ...task, offsets: { words: '-1' } }] }
    expect(() => encodeManifest(bad)).toThrow(TypeError)
    expect(() => encodeManifest(bad)).toThrow(/Cannot write checkpoint manifest: tasks\.0\.offsets\.words: must be/)
  })
})

describe('decodeManifest()', () => {
  it('refuses bytes that are not JSON, naming the key', () => {
    const error = corrupt(() => decodeManifest(Buffer.from('{"formatVersion":1,'), KEY))
    expect(error.code).toBe('EXACTLY_CHECKPOINT_CORRUPT')
    expect(error.key).toBe(KEY)
    expect(error.message).toMatch(/^Cannot read checkpoint manifest "some\/key\.json": not JSON \(/)
  })

  it('refuses a newer format version by number', () => {
    const error = corrupt(() => decodeManifest(json({ ...manifest, formatVersion: 3 }), KEY))
    expect(error.detail).toBe('format version 3 is not supported (this build reads versions 1 and 2)')
    const head2 = corrupt(() => decodeHead(json({ ...head, formatVersion: 2 }), KEY))
    expect(head2.detail).toBe('format version 2 is not supported (this build reads version 1)')
  })

  it('round-trips a manifest whose tasks name deltas, as format version 2 only', () => {
    const delta = { key: 'team-a/word-count/g1/s0/chk-0000000005-a1/task-2.snap', checksum: 'cd'.repeat(32), bytes: 9 }
    const chained: Manifest = { ...manifest, formatVersion: 2, tasks: [{ ...task, deltas: [delta] }] }
    expect(chainFormatVersion(chained.tasks)).toBe(2)
    expect(chainFormatVersion(manifest.tasks)).toBe(1)
    expect(decodeManifest(encodeManifest(chained), KEY)).toEqual(chained)
    // A version 1 reader would restore the snapshot without its deltas: never write that.
    expect(() => encodeManifest({ ...chained, formatVersion: 1 })).toThrow(
      /formatVersion: tasks name deltas, so formatVersion must be 2/,
    )
    expect(corrupt(() => decodeManifest(json({ ...chained, formatVersion: 1 }), KEY)).detail).toMatch(
      /tasks name deltas/,
    )
  })

  it('accepts a task that starts from empty state (deltas alone), and refuses one with neither', () => {
    const delta = { key: 'team-a/word-count/g1/s0/chk-0000000005-a1/task-2.snap', checksum: 'cd'.repeat(32), bytes: 9 }
    const { snapshot: _, ...offsetsOnly } = task
    const rebased: Manifest = {
      ...manifest,
      formatVersion: 2,
      tasks: [{ ...offsetsOnly, deltas: [delta], baseDeltas: 1 }],
    }
    expect(decodeManifest(encodeManifest(rebased), KEY)).toEqual(rebased)
    expect(() => encodeManifest({ ...manifest, tasks: [offsetsOnly] })).toThrow(
      /tasks\.0\.snapshot: a task needs a snapshot, deltas or both/,
    )
  })

  it('refuses a document without formatVersion', () => {
    expect(corrupt(() => decodeManifest(json({ hello: 'world' }), KEY)).detail).toMatch(/^no formatVersion/)
  })

  it('names every bad field by its path', () => {
    const bad = { ...manifest, checkpointId: -1, committable: { transactionalId: 't', producerId: 12, epoch: 0 } }
    const error = corrupt(() => decodeManifest(json(bad), KEY))
    expect(error.detail).toMatch(/checkpointId: /)
    expect(error.detail).toMatch(/committable\.producerId: /)
  })

  it('refuses a snapshot checksum that is not a SHA-256 hex digest', () => {
    const bad = { ...manifest, tasks: [{ ...task, snapshot: { ...task.snapshot, checksum: 'abc' } }] }
    expect(corrupt(() => decodeManifest(json(bad), KEY)).detail).toMatch(/tasks\.0\.snapshot\.checksum/)
  })
})

describe('decodeHead()', () => {
  it('round-trips a head through encodeHead(), with and without a checkpoint', () => {
    expect(decodeHead(encodeHead(head), KEY)).toEqual(head)
    const fresh = { ...head, checkpointId: null, checkpointAttempt: null, committableDone: true }
    expect(decodeHead(encodeHead(fresh), KEY)).toEqual(fresh)
  })

  it('refuses a checkpoint id without the attempt that wrote it', () => {
    const error = corrupt(() => decodeHead(json({ ...head, checkpointAttempt: null }), KEY))
    expect(error.message).toMatch(/^Cannot read slot head "some\/key\.json": checkpointAttempt: /)
  })
})

describe('decodeRestorePoint()', () => {
  it('round-trips a restore point through encodeRestorePoint()', () => {
    const point: RestorePoint = {
      formatVersion: 1,
      job,
      generation: 2,
      createdAt: '2025-01-02T03:04:05.678Z',
      reason: 'rescale 1 → 2',
      tasks: [task],
    }
    expect(decodeRestorePoint(encodeRestorePoint(point), KEY)).toEqual(point)
  })

  it('refuses a restore point without tasks', () => {
    const error = corrupt(() => decodeRestorePoint(json({ formatVersion: 1, job, generation: 2 }), KEY))
    expect(error.message).toMatch(/^Cannot read restore point "some\/key\.json": /)
    expect(error.detail).toMatch(/tasks: /)
  })
})
