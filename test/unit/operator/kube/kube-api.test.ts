import { describe, expect, it } from 'vitest'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decisionInputTests } from '../../../../operator/kube/kube-api.ts'
import { PAUSE_ANNOTATION } from '../../../../operator/model/names.ts'

const job = (metadata: Partial<StreamJob['metadata']>, status?: StreamJob['status']): StreamJob =>
  ({
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name: 'j', namespace: 'ns', uid: 'u-1', generation: 2, resourceVersion: '7', ...metadata },
    spec: {},
    ...(status ? { status } : {}),
  }) as unknown as StreamJob

describe('decisionInputTests', () => {
  it('tests identity, spec generation, deletion, the pause annotation and status, not resourceVersion', () => {
    const tests = decisionInputTests(job({ annotations: { a: 'b' } }, { phase: 'Suspended' }))
    expect(tests).toEqual([
      { op: 'test', path: '/metadata/uid', value: 'u-1' },
      { op: 'test', path: '/metadata/generation', value: 2 },
      { op: 'test', path: '/metadata/deletionTimestamp', value: null },
      { op: 'test', path: '/metadata/annotations/exactly.dev~1pause-reconciliation', value: null },
      { op: 'test', path: '/status', value: { phase: 'Suspended' } },
    ])
  })

  it('tests a missing annotations map as a whole (the server cannot test a member of a missing object)', () => {
    const tests = decisionInputTests(job({}))
    expect(tests).toContainEqual({ op: 'test', path: '/metadata/annotations', value: null })
    expect(tests).toContainEqual({ op: 'test', path: '/status', value: null })
  })

  it('carries the values the copy holds', () => {
    const deleting = job({ deletionTimestamp: '2026-11-25T00:00:00Z', annotations: { [PAUSE_ANNOTATION]: 'true' } })
    expect(decisionInputTests(deleting)).toEqual(
      expect.arrayContaining([
        { op: 'test', path: '/metadata/deletionTimestamp', value: '2026-11-25T00:00:00Z' },
        { op: 'test', path: '/metadata/annotations/exactly.dev~1pause-reconciliation', value: 'true' },
      ]),
    )
  })
})
