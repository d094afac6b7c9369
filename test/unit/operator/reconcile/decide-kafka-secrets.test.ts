/**
 * The Secrets spec.kafka names: a job that never ran waits for a missing one (no pod, Ready and
 * Degraded say which Secret or key and the fix, one Warning Event), and a running job is rolled
 * onto changed values (the usual upgrade: stop → recover → next generation), as Strimzi does.
 */
import { describe, expect, it } from 'vitest'
import type { StreamJob } from '../../../../operator/api/streamjob-types.ts'
import { decide } from '../../../../operator/reconcile/decide.ts'
import type { Observed } from '../../../../operator/reconcile/observed.ts'
import { observed, SETTINGS, streamJob, T0, workerPod } from '../fixtures.ts'
import { after, condition, created, kinds } from './decide-fixtures.ts'

function secured(): StreamJob {
  const job = streamJob({ parallelism: 1 })
  job.spec.kafka = {
    ...job.spec.kafka,
    tls: {},
    authentication: {
      type: 'scram-sha-512',
      username: 'u',
      passwordSecret: { secretName: 'user', password: 'password' },
    },
  }
  return job
}
const withSecrets = (o: Observed, kafkaSecrets: NonNullable<Observed['kafkaSecrets']>): Observed => ({
  ...o,
  kafkaSecrets,
})
const MISSING = 'Secret "user" named by spec.kafka.authentication.passwordSecret does not exist: create it'

describe('decide() with Kafka Secrets', () => {
  it('a new job waits for a missing Secret: no pod, Ready and Degraded name it, one Warning Event', () => {
    const job = secured()
    const plan = decide(withSecrets(observed(job, []), { missing: MISSING }), T0, SETTINGS)
    expect(created(plan)).toEqual([])
    expect(kinds(plan)).toEqual([])
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: 'KafkaSecretMissing', message: MISSING })
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'KafkaSecretMissing' })
    expect(plan.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'KafkaSecretMissing', message: MISSING }),
    ])
    // The next pass, still missing: no second Event.
    const again = decide(withSecrets(observed(after(job, plan), []), { missing: MISSING }), T0 + 1000, SETTINGS)
    expect(again.events).toEqual([])
    // The Secret created: the first worker.
    const found = decide(withSecrets(observed(after(job, again), []), { hash: 'aaaa' }), T0 + 2000, SETTINGS)
    expect(created(found)).toEqual(['counts-g1-s0-a1'])
  })

  it('a running job is rolled onto a changed Secret value, and not for a Secret that went missing', () => {
    const job = secured()
    const first = decide(withSecrets(observed(job, []), { hash: 'aaaa' }), T0, SETTINGS)
    const runningJob = after(job, first)
    const pods = [workerPod(0, 1)]
    const steady = decide(withSecrets(observed(runningJob, pods), { hash: 'aaaa' }), T0 + 1000, SETTINGS)
    expect(steady.status?.transition).toBeUndefined()
    const gone = decide(withSecrets(observed(runningJob, pods), { missing: MISSING }), T0 + 1000, SETTINGS)
    expect(gone.status?.transition).toBeUndefined()
    expect(condition(gone, 'Degraded')).toMatchObject({ reason: 'KafkaSecretMissing' })
    const rotated = decide(withSecrets(observed(runningJob, pods), { hash: 'bbbb' }), T0 + 1000, SETTINGS)
    expect(rotated.status?.phase).toBe('Upgrading')
    expect(rotated.status?.transition).toMatchObject({ kind: 'upgrade', toGeneration: 2 })
  })
})
