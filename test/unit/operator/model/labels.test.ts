import { describe, expect, it } from 'vitest'
import { jobLabels, jobSelector, LABEL, podLabels, workerPodSelector } from '../../../../operator/model/labels.ts'

describe('podLabels()', () => {
  it('labels a worker with its job, role, generation, slot and attempt', () => {
    expect(podLabels('counts', 'worker', { generation: 2, slot: 1, attempt: 3 })).toEqual({
      'app.kubernetes.io/name': 'exactly',
      'app.kubernetes.io/instance': 'counts',
      'app.kubernetes.io/component': 'worker',
      'app.kubernetes.io/managed-by': 'exactly-operator',
      'exactly.dev/job': 'counts',
      'exactly.dev/generation': '2',
      'exactly.dev/slot': '1',
      'exactly.dev/attempt': '3',
    })
  })

  it('leaves slot and attempt off a recover pod, which has neither', () => {
    const labels = podLabels('counts', 'recover', { generation: 1 })
    expect(labels[LABEL.component]).toBe('recover')
    expect(labels).not.toHaveProperty(LABEL.slot)
    expect(labels).not.toHaveProperty(LABEL.attempt)
  })
})

describe('jobSelector()', () => {
  it('selects the pods of one job that the operator manages', () => {
    expect(jobSelector('counts')).toBe('exactly.dev/job=counts,app.kubernetes.io/managed-by=exactly-operator')
  })
})

describe('jobLabels()', () => {
  it('labels what the operator makes for a job without naming a role (its NetworkPolicy)', () => {
    expect(jobLabels('counts')).toEqual({
      'app.kubernetes.io/name': 'exactly',
      'app.kubernetes.io/instance': 'counts',
      'app.kubernetes.io/managed-by': 'exactly-operator',
      'exactly.dev/job': 'counts',
    })
  })
})

describe('workerPodSelector()', () => {
  it("matches the labels of the job's worker pods, whatever their generation, slot and attempt", () => {
    const selector = workerPodSelector('counts')
    expect(selector).toEqual({
      'app.kubernetes.io/managed-by': 'exactly-operator',
      'exactly.dev/job': 'counts',
      'app.kubernetes.io/component': 'worker',
    })
    expect(podLabels('counts', 'worker', { generation: 9, slot: 4, attempt: 2 })).toMatchObject(selector)
    expect(podLabels('counts', 'recover', { generation: 9 })).not.toMatchObject(selector)
  })
})
