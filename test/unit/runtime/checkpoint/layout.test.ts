import { describe, expect, it } from 'vitest'
import { checkpointLayout, checkpointLayoutAt, storageJobName } from '../../../../runtime/checkpoint/layout.ts'

const job = { namespace: 'team-a', name: 'word-count' }
const layout = checkpointLayout('exactly/prod', job)
const ref = { checkpointId: 7, attempt: 3 }

describe('checkpointLayout()', () => {
  it('puts every key of a job under <prefix>/<namespace>/<job>/', () => {
    expect(layout.jobDir).toBe('exactly/prod/team-a/word-count/')
    expect(layout.head(2, 1)).toBe('exactly/prod/team-a/word-count/g2/s1/head.json')
    expect(layout.manifest(2, 1, ref)).toBe('exactly/prod/team-a/word-count/g2/s1/chk-0000000007-a3/manifest.json')
    expect(layout.snapshot(2, 1, ref, 4)).toBe('exactly/prod/team-a/word-count/g2/s1/chk-0000000007-a3/task-4.snap')
    expect(layout.restorePoint(3)).toBe('exactly/prod/team-a/word-count/restore-points/g3.json')
    expect(layout.restorePointSnapshot(3, 7)).toBe('exactly/prod/team-a/word-count/restore-points/g3/task-7.snap')
    expect(layout.savepointManifest('before-upgrade')).toBe(
      'exactly/prod/team-a/word-count/savepoints/before-upgrade/manifest.json',
    )
    expect(layout.savepointSnapshot('before-upgrade', 0)).toBe(
      'exactly/prod/team-a/word-count/savepoints/before-upgrade/task-0.snap',
    )
  })

  it('builds keys without a leading slash for an empty prefix, and trims slashes of a prefix', () => {
    expect(checkpointLayout('', job).head(1, 0)).toBe('team-a/word-count/g1/s0/head.json')
    expect(checkpointLayout('/a/b/', job).head(1, 0)).toBe('a/b/team-a/word-count/g1/s0/head.json')
  })

  it('pads checkpoint ids so that a listing is in checkpoint order', () => {
    const keys = [9, 10, 100, 2].map((id) => layout.manifest(1, 0, { checkpointId: id, attempt: 1 }))
    expect([...keys].sort()).toEqual(
      [2, 9, 10, 100].map((id) => layout.manifest(1, 0, { checkpointId: id, attempt: 1 })),
    )
  })

  it('refuses names and numbers that would make ambiguous keys', () => {
    expect(() => checkpointLayout('', { namespace: 'a/b', name: 'j' })).toThrow(TypeError)
    expect(() => checkpointLayout('', { namespace: 'ns', name: '..' })).toThrow(/job name "\.\." must be/)
    expect(() => layout.head(0, 0)).toThrow(/generation must be an integer >= 1, got 0/)
    expect(() => layout.head(1, -1)).toThrow(RangeError)
    expect(() => layout.manifest(1, 0, { checkpointId: 1.5, attempt: 1 })).toThrow(RangeError)
    expect(() => layout.savepointDir('x/y')).toThrow(TypeError)
  })
})

describe('checkpointLayout().parse()', () => {
  it('inverts head, manifest, snapshot and restore point keys', () => {
    expect(layout.parse(layout.head(2, 1))).toEqual({ kind: 'head', generation: 2, slot: 1 })
    expect(layout.parse(layout.manifest(2, 1, ref))).toEqual({ kind: 'manifest', generation: 2, slot: 1, ...ref })
    expect(layout.parse(layout.snapshot(2, 1, ref, 4))).toEqual({
      kind: 'snapshot',
      generation: 2,
      slot: 1,
      partition: 4,
      ...ref,
    })
    expect(layout.parse(layout.restorePoint(5))).toEqual({ kind: 'restorePoint', generation: 5 })
  })

  it('returns undefined for keys of other jobs and for unknown files', () => {
    const other = checkpointLayout('exactly/prod', { namespace: 'team-a', name: 'word-count-2' })
    expect(layout.parse(other.head(1, 0))).toBeUndefined()
    expect(layout.parse('exactly/prod/team-a/word-count/g1/s0/notes.txt')).toBeUndefined()
    expect(layout.parse('elsewhere/g1/s0/head.json')).toBeUndefined()
  })

  it("names restore point snapshots and savepoint objects, and leaves a newer same-named job's uid directory alone", () => {
    expect(layout.parse(layout.restorePointSnapshot(3, 7))).toEqual({
      kind: 'restorePointSnapshot',
      generation: 3,
      partition: 7,
    })
    expect(layout.parse(layout.savepointManifest('nightly'))).toEqual({ kind: 'savepoint', name: 'nightly' })
    expect(layout.parse(layout.savepointDelta('nightly', 2, 0))).toEqual({ kind: 'savepoint', name: 'nightly' })
    const newer = checkpointLayout('exactly/prod', { ...job, incarnation: 'uid-2' })
    expect(layout.parse(newer.head(1, 0)), 'a legacy layout does not claim a uid directory').toBeUndefined()
  })
})

describe('a job directory per uid', () => {
  it('puts the uid below the job name, and checkpointLayoutAt() reads a status.storagePath directory', () => {
    const own = checkpointLayout('exactly/prod', { ...job, incarnation: '4f1c-77' })
    expect(own.jobDir).toBe('exactly/prod/team-a/word-count/4f1c-77/')
    expect(own.head(1, 0)).toBe('exactly/prod/team-a/word-count/4f1c-77/g1/s0/head.json')
    expect(own.savepointDelta('sp', 1, 2)).toBe('exactly/prod/team-a/word-count/4f1c-77/savepoints/sp/task-1-d2.snap')
    const at = checkpointLayoutAt(own.jobDir)
    expect(at.head(1, 0)).toBe(own.head(1, 0))
    expect(at.parse(own.manifest(2, 1, ref))).toEqual({ kind: 'manifest', generation: 2, slot: 1, ...ref })
    expect(() => checkpointLayoutAt('no/slash')).toThrow(/must end with \//)
    expect(storageJobName({ ...job, uid: 'u' }, true)).toEqual({ ...job, incarnation: 'u' })
    expect(storageJobName({ ...job, uid: 'u' }, false)).toEqual(job)
  })
})
