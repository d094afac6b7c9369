import { describe, expect, it } from 'vitest'
import { liveDocuments, planGarbage } from '../../../../runtime/checkpoint/collect-garbage.ts'
import { checkpointLayout } from '../../../../runtime/checkpoint/layout.ts'

const layout = checkpointLayout('p', { namespace: 'ns', name: 'job', incarnation: 'uid-1' })
const a = (checkpointId: number, attempt = 1) => ({ checkpointId, attempt })

/** Generation 1 ran, was closed into restore point 2 (naming checkpoint 4 of g1), and generation 2 runs. */
const keys = [
  layout.head(1, 0),
  layout.manifest(1, 0, a(3)),
  layout.snapshot(1, 0, a(3), 0),
  layout.manifest(1, 0, a(4)),
  layout.snapshot(1, 0, a(4), 0),
  layout.snapshot(1, 0, a(4), 1),
  layout.restorePoint(1),
  layout.restorePointSnapshot(1, 0),
  layout.restorePoint(2),
  layout.head(2, 0),
  layout.manifest(2, 0, a(1)),
  layout.snapshot(2, 0, a(1), 1),
  layout.savepointManifest('sp-g1'),
  layout.savepointSnapshot('sp-g1', 0),
  'p/ns/job/uid-1/notes.txt',
]

describe('planGarbage()', () => {
  it("deletes a closed generation's checkpoints and restore points but what live documents name, objects before documents", () => {
    // Restore point 2 names task 0's snapshot of g1 checkpoint 4; g2's checkpoint 1 chains onto it.
    const live = new Set([layout.snapshot(1, 0, a(4), 0), layout.snapshot(2, 0, a(1), 1)])
    expect(planGarbage({ keys, layout, generation: 2, live })).toEqual([
      layout.snapshot(1, 0, a(3), 0),
      layout.snapshot(1, 0, a(4), 1),
      layout.restorePointSnapshot(1, 0),
      layout.manifest(1, 0, a(3)),
      layout.manifest(1, 0, a(4)),
      layout.restorePoint(1),
    ])
  })

  it('keeps heads (they fence late workers of their generation), savepoints, the current generation and unknown keys', () => {
    const doomed = planGarbage({ keys, layout, generation: 2, live: new Set() })
    expect(doomed).not.toContain(layout.head(1, 0))
    expect(doomed).not.toContain(layout.savepointSnapshot('sp-g1', 0))
    expect(doomed).not.toContain(layout.restorePoint(2))
    expect(doomed).not.toContain(layout.manifest(2, 0, a(1)))
    expect(doomed).not.toContain('p/ns/job/uid-1/notes.txt')
    expect(planGarbage({ keys, layout, generation: 1, live: new Set() }), 'nothing is older than generation 1').toEqual(
      [],
    )
  })

  it("never touches a newer same-named job's uid directory from a legacy directory", () => {
    const legacy = checkpointLayout('p', { namespace: 'ns', name: 'job' })
    expect(planGarbage({ keys, layout: legacy, generation: 9, live: new Set() })).toEqual([])
  })
})

describe('liveDocuments()', () => {
  it('are the restore points and manifests of the current generation and later', () => {
    expect(liveDocuments(keys, layout, 2)).toEqual([layout.restorePoint(2), layout.manifest(2, 0, a(1))])
  })
})
