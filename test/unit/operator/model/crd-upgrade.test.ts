import { describe, expect, it } from 'vitest'
import {
  CHART_VERSION_ANNOTATION,
  type CrdView,
  compareVersions,
  planCrdUpgrade,
} from '../../../../operator/model/crd-upgrade.ts'

const crd = (chart: string | undefined, versions: string[], stored?: string[]): CrdView => ({
  metadata: {
    name: 'streamjobs.exactly.dev',
    ...(chart ? { annotations: { [CHART_VERSION_ANNOTATION]: chart } } : {}),
  },
  spec: { versions: versions.map((name, i) => ({ name, served: true, storage: i === 0 })) },
  ...(stored ? { status: { storedVersions: stored } } : {}),
})

describe('planCrdUpgrade()', () => {
  it('updates a CRD an older chart (or the chart before the hook existed) installed, and leaves the same one alone', () => {
    const next = crd('0.2.0', ['v1alpha1'])
    expect(planCrdUpgrade(crd(undefined, ['v1alpha1'], ['v1alpha1']), next, false)).toEqual({ action: 'update' })
    expect(planCrdUpgrade(crd('0.1.0', ['v1alpha1'], ['v1alpha1']), next, false)).toEqual({ action: 'update' })
    expect(planCrdUpgrade(crd('0.2.0', ['v1alpha1'], ['v1alpha1']), next, true)).toEqual({ action: 'unchanged' })
    expect(planCrdUpgrade(undefined, next, false)).toEqual({ action: 'create' })
  })

  it('refuses a CRD that no longer serves a version StreamJobs are stored in', () => {
    const plan = planCrdUpgrade(crd('0.2.0', ['v1alpha1', 'v1'], ['v1alpha1', 'v1']), crd('0.3.0', ['v1']), false)
    expect(plan).toMatchObject({ action: 'refuse', reason: expect.stringContaining('no longer serves v1alpha1') })
  })

  it("refuses an older chart's CRD unless told to", () => {
    const installed = crd('0.3.0', ['v1alpha1'], ['v1alpha1'])
    expect(planCrdUpgrade(installed, crd('0.2.0', ['v1alpha1']), false)).toMatchObject({
      action: 'refuse',
      reason: expect.stringContaining('crds.allowDowngrade=true'),
    })
    expect(planCrdUpgrade(installed, crd('0.2.0', ['v1alpha1']), false, true)).toEqual({ action: 'update' })
  })
})

describe('compareVersions()', () => {
  it('orders semantic versions, a pre-release before its release', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1)
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1)
    expect(compareVersions('v1.2.3', '1.2.3')).toBe(0)
    expect(compareVersions('1.2.3-a', '1.2.3-b')).toBe(-1)
  })
})
