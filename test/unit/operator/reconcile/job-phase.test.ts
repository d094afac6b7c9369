import { describe, expect, it } from 'vitest'
import { JOB_PHASES } from '../../../../operator/api/streamjob-status-schema.ts'
import type { JobPhase } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import {
  IllegalTransitionError,
  JOB_PHASE_TRANSITIONS,
  transitionJobPhase,
} from '../../../../operator/reconcile/job-phase.ts'
import { observed, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'

const refusal = (from: JobPhase | undefined, to: JobPhase): unknown => {
  try {
    transitionJobPhase(from, to, 'team/counts')
  } catch (error) {
    return error
  }
  return undefined
}

describe('transitionJobPhase()', () => {
  it('has a row for every phase the status schema allows', () => {
    expect(Object.keys(JOB_PHASE_TRANSITIONS).sort()).toEqual([...JOB_PHASES].sort())
  })

  it('accepts every move the table lists, answering the new phase', () => {
    for (const [from, successors] of Object.entries(JOB_PHASE_TRANSITIONS) as Array<[JobPhase, JobPhase[]]>) {
      for (const to of successors) expect(transitionJobPhase(from, to, 'team/counts')).toBe(to)
    }
  })

  it('accepts staying in any phase (a paused job, a pass with nothing new)', () => {
    for (const phase of JOB_PHASES) expect(transitionJobPhase(phase, phase, 'team/counts')).toBe(phase)
  })

  it('reads a status without a phase as Pending', () => {
    expect(transitionJobPhase(undefined, 'Starting', 'team/counts')).toBe('Starting')
    expect(refusal(undefined, 'Suspending')).toMatchObject({ from: 'Pending', to: 'Suspending' })
  })

  it('refuses a return to Pending from any other phase', () => {
    for (const from of JOB_PHASES.filter((p) => p !== 'Pending')) {
      expect(refusal(from, 'Pending')).toBeInstanceOf(IllegalTransitionError)
    }
  })

  it('refuses anything but Failed once a job is Deleting', () => {
    for (const to of JOB_PHASES.filter((p) => p !== 'Deleting' && p !== 'Failed')) {
      expect(refusal('Deleting', to)).toBeInstanceOf(IllegalTransitionError)
    }
    expect(transitionJobPhase('Deleting', 'Failed', 'team/counts')).toBe('Failed')
  })

  it('refuses to switch layout changes midway, or to change the layout of a closed generation', () => {
    expect(refusal('Upgrading', 'Suspending')).toBeInstanceOf(IllegalTransitionError)
    expect(refusal('Suspending', 'Upgrading')).toBeInstanceOf(IllegalTransitionError)
    expect(refusal('Suspended', 'Upgrading')).toBeInstanceOf(IllegalTransitionError)
    expect(refusal('Suspended', 'Suspending')).toBeInstanceOf(IllegalTransitionError)
  })

  it('refuses with a stable code and a message naming the job and both phases', () => {
    const error = refusal('Deleting', 'Running')
    expect(error).toMatchObject({
      name: 'IllegalTransitionError',
      code: 'EXACTLY_ILLEGAL_TRANSITION',
      from: 'Deleting',
      to: 'Running',
      message:
        'Cannot move StreamJob "team/counts" from phase "Deleting" to "Running": from "Deleting" it may become "Deleting", "Failed"',
    })
  })
})

describe('decide() through the phase machine', () => {
  it('fails the pass instead of writing a move the table refuses', () => {
    // A status that says Deleting on a job nobody deleted: decide() would start workers (Starting).
    const job = { ...streamJob({ parallelism: 1 }), status: { phase: 'Deleting' as const } }
    expect(() => decide(observed(job, []), T0, SETTINGS)).toThrow(IllegalTransitionError)
  })

  it('writes the phase it decided when the move is legal', () => {
    const job = { ...streamJob({ parallelism: 1 }), status: { phase: 'Suspended' as const } }
    expect(decide(observed(job, [workerPod(0, 1)]), T0, SETTINGS).status?.phase).toBe('Running')
  })
})
