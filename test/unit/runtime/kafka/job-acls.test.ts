import { describe, expect, it } from 'vitest'
import { jobAcls, kafkaAclsCommands, strimziAuthorization } from '../../../../runtime/kafka/job-acls.ts'

const input = {
  sourceTopics: ['orders', 'transfers'],
  sinkTopic: 'balances',
  deadLetterTopic: 'dead',
  loopBackTopics: ['transfers'],
  transactionalIdPrefix: 'bank.',
}

describe('jobAcls', () => {
  it('grants Read/Describe on sources, Write/Describe on outputs and loop-backs, Read on outputs, Write/Describe on the prefix', () => {
    const words = jobAcls(input).map((a) =>
      a.resource.type === 'cluster'
        ? `${a.operation} cluster`
        : `${a.operation} ${a.resource.type}:${a.resource.name}:${a.resource.pattern}`,
    )
    expect([...words].sort()).toEqual(
      [
        'Read topic:orders:literal',
        'Describe topic:orders:literal',
        'Read topic:transfers:literal',
        'Describe topic:transfers:literal',
        'Write topic:balances:literal',
        'Write topic:dead:literal',
        'Write topic:transfers:literal',
        'Read topic:balances:literal',
        'Describe topic:balances:literal',
        'Read topic:dead:literal',
        'Describe topic:dead:literal',
        'Write transactional-id:bank.:prefixed',
        'Describe transactional-id:bank.:prefixed',
      ].sort(),
    )
    expect(new Set(words).size).toBe(words.length)
    expect(words).not.toContain('Alter cluster')
    const withLineage = jobAcls({ ...input, lineageTopic: 'lineage' }).filter(
      (a) => 'name' in a.resource && a.resource.name === 'lineage',
    )
    expect(withLineage.map((a) => a.operation).sort()).toEqual(['Describe', 'Read', 'Write'])
  })

  it('adds the cluster-wide Alter only when asked, marked optional', () => {
    const acls = jobAcls({ ...input, closeHangingTransactions: true })
    expect(acls.at(-1)).toEqual({ operation: 'Alter', resource: { type: 'cluster' }, optional: true })
  })
})

describe('kafkaAclsCommands', () => {
  it('gives one command per resource with every operation on it', () => {
    const commands = kafkaAclsCommands(
      'job',
      jobAcls({ sourceTopics: ['in'], sinkTopic: 'out', transactionalIdPrefix: 'p.' }),
    )
    expect(commands).toEqual([
      'kafka-acls.sh --bootstrap-server BROKER:9093 --command-config admin.properties --add --allow-principal User:job --operation Read --operation Describe --topic in --resource-pattern-type literal',
      'kafka-acls.sh --bootstrap-server BROKER:9093 --command-config admin.properties --add --allow-principal User:job --operation Write --operation Describe --operation Read --topic out --resource-pattern-type literal',
      'kafka-acls.sh --bootstrap-server BROKER:9093 --command-config admin.properties --add --allow-principal User:job --operation Write --operation Describe --transactional-id p. --resource-pattern-type prefixed',
    ])
  })
})

describe('strimziAuthorization', () => {
  it("is a KafkaUser's simple authorization block, one entry per resource", () => {
    const block = strimziAuthorization(
      jobAcls({ sourceTopics: ['in'], sinkTopic: 'out', transactionalIdPrefix: 'p.', closeHangingTransactions: true }),
    )
    expect(block).toEqual({
      type: 'simple',
      acls: [
        { resource: { type: 'topic', name: 'in', patternType: 'literal' }, operations: ['Read', 'Describe'] },
        { resource: { type: 'topic', name: 'out', patternType: 'literal' }, operations: ['Write', 'Describe', 'Read'] },
        { resource: { type: 'transactionalId', name: 'p.', patternType: 'prefix' }, operations: ['Write', 'Describe'] },
        { resource: { type: 'cluster' }, operations: ['Alter'] },
      ],
    })
  })
})
