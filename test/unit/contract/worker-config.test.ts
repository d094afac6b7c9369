import { describe, expect, it } from 'vitest'
import { BROKER_ADDRESS_RULE } from '../../../contract/broker-address.ts'
import { parseWorkerConfig, WorkerConfigError } from '../../../contract/worker-config.ts'

const valid = {
  formatVersion: 1,
  job: { namespace: 'ns', name: 'wc', uid: 'u-1', module: '/app/examples/word-count/job.ts' },
  slot: 1,
  parallelism: 3,
  generation: 1,
  attempt: 1,
  kafka: {
    bootstrapServers: ['127.0.0.1:9092'],
    sourceTopics: ['words'],
    sinkTopic: 'counts',
    transactionTimeoutMs: 900_000,
  },
  checkpoint: { intervalMs: 10_000, timeoutMs: 120_000, storage: { bucket: 'b', endpoint: 'http://127.0.0.1:8333' } },
}

const parse = (value: unknown) => parseWorkerConfig(JSON.stringify(value))

describe('parseWorkerConfig()', () => {
  it('accepts a valid config and fills the defaults', () => {
    const config = parse(valid)
    expect(config.job.onError).toEqual({ kind: 'fail' })
    expect(config.kafka.startFrom).toBe('earliest')
    expect(config.checkpoint.retained).toBe(3)
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 })
  })

  it('names every bad field by its path', () => {
    const bad = { ...valid, slot: -1, kafka: { ...valid.kafka, bootstrapServers: ['nohost'] } }
    expect(() => parse(bad)).toThrow(WorkerConfigError)
    expect(() => parse(bad)).toThrow(/slot: .*; kafka\.bootstrapServers\.0: must be host:port/)
  })

  it('refuses an IPv6 literal broker address with the same rule the CRD applies', () => {
    const ipv6 = { ...valid, kafka: { ...valid.kafka, bootstrapServers: ['kafka-0.kafka:9092', '[::1]:9092'] } }
    expect(() => parse(ipv6)).toThrow(`kafka.bootstrapServers.1: ${BROKER_ADDRESS_RULE}`)
    const named = { ...valid, kafka: { ...valid.kafka, bootstrapServers: ['kafka-0.kafka:9092', '10.0.0.7:9093'] } }
    expect(parse(named).kafka.bootstrapServers).toEqual(['kafka-0.kafka:9092', '10.0.0.7:9093'])
  })

  it('refuses a slot outside the parallelism', () => {
    expect(() => parse({ ...valid, slot: 3 })).toThrow('slot: must be below parallelism (3), got 3')
  })

  it('refuses a sink topic that is also a source topic', () => {
    expect(() => parse({ ...valid, kafka: { ...valid.kafka, sinkTopic: 'words' } })).toThrow(
      '"words" is also a source topic',
    )
  })

  it('refuses a transaction timeout that does not cover a checkpoint interval plus its timeout', () => {
    expect(() => parse({ ...valid, kafka: { ...valid.kafka, transactionTimeoutMs: 130_000 } })).toThrow(
      /must exceed checkpoint.intervalMs \+ checkpoint.timeoutMs/,
    )
  })

  it('says so when the text is not JSON', () => {
    expect(() => parseWorkerConfig('{nope')).toThrow(/Invalid worker config: not JSON/)
  })
})
