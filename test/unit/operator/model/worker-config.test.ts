import { describe, expect, it } from 'vitest'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { desiredRecoverConfig, desiredWorkerConfig, parseStorageUri } from '../../../../operator/model/worker-config.ts'
import { recoverLayout, streamJob } from '../fixtures.ts'

describe('parseStorageUri()', () => {
  it('splits bucket and prefix', () => {
    expect(parseStorageUri('s3://b')).toEqual({ bucket: 'b', prefix: '' })
    expect(parseStorageUri('s3://b/a/c/')).toEqual({ bucket: 'b', prefix: 'a/c' })
    expect(() => parseStorageUri('http://b')).toThrow(/spec.checkpoint.storage.uri/)
  })
})

describe('desiredWorkerConfig()', () => {
  const job = streamJob()

  it('takes its durations from the ones parsed for the pass, not from the spec strings', () => {
    const durations = { ...jobDurations(job.spec), checkpointIntervalMs: 1234, transactionTimeoutMs: 5678 }
    const config = desiredWorkerConfig(job, { generation: 1, slot: 0, attempt: 1 }, durations)
    expect(config.checkpoint).toMatchObject({ intervalMs: 1234, timeoutMs: 120_000 })
    expect(config.kafka.transactionTimeoutMs).toBe(5678)
  })

  it('names the Kafka client after the job and slot, and defaults forcePathStyle to true', () => {
    const config = desiredWorkerConfig(job, { generation: 2, slot: 1, attempt: 3 }, jobDurations(job.spec))
    expect(config.kafka.clientId).toBe('exactly-team-counts-s1')
    expect(config.checkpoint.storage).toMatchObject({ bucket: 'bucket', prefix: 'jobs', forcePathStyle: true })
    expect(config.job.onError).toEqual({ kind: 'fail' })
  })
})

describe('desiredRecoverConfig()', () => {
  it('passes startFromTimestamp and startFromOffsets to workers and recover pods as kafka.startAt', () => {
    const job = streamJob()
    job.spec.kafka.source = {
      ...job.spec.kafka.source,
      startFromTimestamp: '2026-12-06T10:00:00Z',
      startFromOffsets: [{ topic: job.spec.kafka.source.topics[0]!, partition: 2, offset: 1234 }],
    }
    const expected = {
      timestampMs: Date.parse('2026-12-06T10:00:00Z'),
      offsets: { [`${job.spec.kafka.source.topics[0]}/2`]: '1234' },
    }
    const durations = jobDurations(job.spec)
    expect(desiredWorkerConfig(job, { generation: 1, slot: 0, attempt: 1 }, durations).kafka.startAt).toEqual(expected)
    expect(desiredRecoverConfig(job, recoverLayout('upgrade'), durations).kafka.startAt).toEqual(expected)
    expect(
      desiredWorkerConfig(streamJob(), { generation: 1, slot: 0, attempt: 1 }, durations).kafka.startAt,
    ).toBeUndefined()
  })

  it('lists the dead-letter topic among the outputs to fence only when the job uses one', () => {
    const base = streamJob()
    const layout = recoverLayout('upgrade')
    const plain = desiredRecoverConfig(base, layout, jobDurations(base.spec))
    expect(plain.kafka.outputTopics).toEqual(['counts'])
    const dlq = streamJob({
      job: { module: '/app/job.ts', onError: 'dead-letter' },
      kafka: { ...base.spec.kafka, sink: { topic: 'counts', deadLetterTopic: 'counts-dlq' } },
    })
    const withDlq = desiredRecoverConfig(dlq, layout, jobDurations(dlq.spec))
    expect(withDlq.kafka.outputTopics).toEqual(['counts', 'counts-dlq'])
    expect(withDlq.kafka.transactionTimeoutMs).toBe(900_000)
    expect(withDlq).not.toHaveProperty('savepoint')
  })

  it('passes the lineage topic to workers, and to recovery among the outputs to fence', () => {
    const base = streamJob()
    const job = streamJob({ kafka: { ...base.spec.kafka, sink: { topic: 'counts', lineageTopic: 'counts-lineage' } } })
    const recover = desiredRecoverConfig(job, recoverLayout('upgrade'), jobDurations(job.spec))
    expect(recover.kafka.outputTopics).toEqual(['counts', 'counts-lineage'])
    const worker = desiredWorkerConfig(job, { generation: 1, slot: 0, attempt: 1 }, jobDurations(job.spec))
    expect(worker.kafka.lineageTopic).toBe('counts-lineage')
    expect(
      desiredWorkerConfig(base, { generation: 1, slot: 0, attempt: 1 }, jobDurations(base.spec)).kafka,
    ).not.toHaveProperty('lineageTopic')
  })
})
