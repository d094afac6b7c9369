/**
 * Pins the kafkajs adapter (the one module that uses kafkajs internals) against the real
 * broker: the shared KafkaClient suite, plus what only this adapter can get wrong.
 */
import { describe, expect, inject, it } from 'vitest'
import { KafkaUnavailableError } from '../../../../runtime/kafka/kafka-errors.ts'
import { KafkajsClient } from '../../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { freePort } from '../../../../stack/ports.ts'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'
import { kafkaClientConformance } from '../../../conformance/kafka-client.ts'

const { kafka: broker } = inject('stack')
if (!broker) throw new Error('The integration stack has no Kafka broker')
const admin = kafkaFor(broker.bootstrap)

kafkaClientConformance('KafkajsClient', {
  newClient: () => new KafkajsClient({ brokers: [broker.bootstrap] }),
  createTopic: (prefix, partitions) => createTopic(admin, prefix, partitions),
})

describe('KafkajsClient', () => {
  it('connect() to a port nobody listens on fails with KafkaUnavailableError naming the address', async () => {
    const address = `127.0.0.1:${await freePort()}`
    const client = new KafkajsClient({ brokers: [address], connectionTimeoutMs: 500 })
    const error = await client.connect().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaUnavailableError)
    expect((error as Error).message).toContain(address)
  })
})
