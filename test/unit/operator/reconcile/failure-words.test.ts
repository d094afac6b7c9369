import { describe, expect, it } from 'vitest'
import { workerFailureWords } from '../../../../operator/reconcile/failure-words.ts'
import { streamJob, workerPod } from '../fixtures.ts'

const oom = workerPod(1, 2, { phase: 'Failed', exitCode: 137, terminationReason: 'OOMKilled' })

describe('workerFailureWords()', () => {
  it('says a worker killed by its memory limit was, with the limit of its spec and the fix', () => {
    const job = streamJob({ resources: { requests: { memory: '32Mi' }, limits: { memory: '48Mi' } } })
    expect(workerFailureWords(oom, job)).toEqual({
      reason: 'WorkerOOMKilled',
      message:
        'counts-g1-s1-a2 was killed by the kernel for going over its memory limit of 48Mi (OOMKilled, exit code 137). ' +
        "A worker holds its tasks' keyed state in memory: raise spec.resources.limits.memory (and requests.memory) " +
        'to cover it, or spread the state over more workers with spec.parallelism',
    })
  })

  it('names the default limit when the spec sets no resources, and the node when the worker has no limit', () => {
    expect(workerFailureWords(oom, streamJob({})).message).toContain('its memory limit of 2Gi (OOMKilled')
    const unlimited = streamJob({ resources: { requests: { memory: '1Gi' } } })
    expect(workerFailureWords(oom, unlimited).message).toContain(
      'when its node ran out of memory (the worker has no memory limit of its own)',
    )
  })

  it('describes any other failure by its exit code and reason', () => {
    const crashed = workerPod(0, 1, { phase: 'Failed', exitCode: 1, terminationReason: 'Error' })
    expect(workerFailureWords(crashed, streamJob({}))).toEqual({
      reason: 'WorkerFailed',
      message: 'counts-g1-s0-a1 failed: exit code 1 (Error)',
    })
  })

  it('uses the reason and message the worker wrote to its termination log, and ignores anything else there', () => {
    const told = (terminationMessage: string) =>
      workerFailureWords(
        workerPod(0, 1, { phase: 'Failed', exitCode: 1, terminationReason: 'Error', terminationMessage }),
        streamJob({}),
      )
    expect(told(JSON.stringify({ reason: 'KafkaAuthenticationFailed', message: 'check the password Secret' }))).toEqual(
      {
        reason: 'KafkaAuthenticationFailed',
        message: 'counts-g1-s0-a1 failed (exit code 1): check the password Secret',
      },
    )
    expect(told('panic: not json').reason).toBe('WorkerFailed')
    expect(told(JSON.stringify({ reason: 'not a reason!', message: 'x' })).reason).toBe('WorkerFailed')
  })
})
