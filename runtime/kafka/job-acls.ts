/**
 * PURE. The exact ACLs a job's principal needs on a cluster with an authorizer, and the same set
 * as kafka-acls.sh commands and as a Strimzi KafkaUser `authorization` block
 * (docs/kafka-security.md). Kafka lets Read and Write imply Describe; Describe is still listed,
 * as Strimzi users write it, so the set reads the same in every form.
 *
 * | what the runtime does                                | request                      | ACL                          |
 * |------------------------------------------------------|------------------------------|------------------------------|
 * | reads sources (partitions, offsets, records)         | Metadata, ListOffsets, Fetch | Read, Describe on sources    |
 * | writes results, dead letters, loop-back records      | Produce, AddPartitionsToTxn  | Write, Describe on each      |
 * | opens, commits, aborts and fences its transactions   | InitProducerId, EndTxn, …    | Write, Describe on the prefix|
 * | finds its open transactions on outputs at recovery   | DescribeProducers            | Read on sink and dead-letter |
 * | closes a hanging transaction (optional, rare)        | WriteTxnMarkers              | Alter on the cluster         |
 *
 * The last one is cluster-wide (Kafka 3.8+, KIP-1037; ClusterAction before): a job runs without it
 * and says so when it would have needed it (docs/kafka-security.md, "Hanging transactions").
 */

export type AclOperation = 'Read' | 'Write' | 'Describe' | 'Alter'

export interface AclEntry {
  operation: AclOperation
  resource: { type: 'topic' | 'transactional-id'; name: string; pattern: 'literal' | 'prefixed' } | { type: 'cluster' }
  /** Needed only to close hanging transactions (WriteTxnMarkers). */
  optional?: true
}

export interface JobAclInput {
  sourceTopics: readonly string[]
  sinkTopic: string
  deadLetterTopic?: string | undefined
  lineageTopic?: string | undefined
  /** Source topics the job also emits to (a repartition through Kafka, like examples/bank-transfers). */
  loopBackTopics?: readonly string[]
  /** What every transactional id starts with: spec.kafka.transactionalIdPrefix, else `<job uid>-`. */
  transactionalIdPrefix: string
  /** Include the optional cluster-wide Alter for closing hanging transactions. */
  closeHangingTransactions?: boolean
}

const topicAcl = (operation: AclOperation, name: string): AclEntry => ({
  operation,
  resource: { type: 'topic', name, pattern: 'literal' },
})

export function jobAcls(input: JobAclInput): AclEntry[] {
  const outputs = [input.sinkTopic, input.deadLetterTopic, input.lineageTopic].filter((t): t is string => !!t)
  const acls: AclEntry[] = []
  const add = (entry: AclEntry) => {
    if (!acls.some((a) => JSON.stringify(a) === JSON.stringify(entry))) acls.push(entry)
  }
  for (const t of input.sourceTopics) for (const op of ['Read', 'Describe'] as const) add(topicAcl(op, t))
  for (const t of [...outputs, ...(input.loopBackTopics ?? [])]) {
    for (const op of ['Write', 'Describe'] as const) add(topicAcl(op, t))
  }
  for (const t of outputs) add(topicAcl('Read', t))
  for (const op of ['Write', 'Describe'] as const) {
    add({
      operation: op,
      resource: { type: 'transactional-id', name: input.transactionalIdPrefix, pattern: 'prefixed' },
    })
  }
  if (input.closeHangingTransactions) add({ operation: 'Alter', resource: { type: 'cluster' }, optional: true })
  return acls
}

/** One kafka-acls.sh command per resource, run with an admin's client properties. */
export function kafkaAclsCommands(principal: string, acls: readonly AclEntry[], bootstrap = 'BROKER:9093'): string[] {
  const byResource = new Map<string, { flags: string[]; operations: AclOperation[] }>()
  for (const acl of acls) {
    const r = acl.resource
    const flags =
      r.type === 'cluster'
        ? ['--cluster']
        : [r.type === 'topic' ? '--topic' : '--transactional-id', r.name, '--resource-pattern-type', r.pattern]
    const key = flags.join(' ')
    const entry = byResource.get(key) ?? { flags, operations: [] }
    entry.operations.push(acl.operation)
    byResource.set(key, entry)
  }
  return [...byResource.values()].map(({ flags, operations }) =>
    [
      `kafka-acls.sh --bootstrap-server ${bootstrap} --command-config admin.properties --add`,
      `--allow-principal User:${principal}`,
      ...operations.map((op) => `--operation ${op}`),
      ...flags,
    ].join(' '),
  )
}

/** The `spec.authorization` of a Strimzi KafkaUser (simple authorization) granting `acls`. */
export function strimziAuthorization(acls: readonly AclEntry[]): {
  type: 'simple'
  acls: Array<{ resource: Record<string, string>; operations: AclOperation[] }>
} {
  const byResource = new Map<string, { resource: Record<string, string>; operations: AclOperation[] }>()
  for (const acl of acls) {
    const r = acl.resource
    const resource: Record<string, string> =
      r.type === 'cluster'
        ? { type: 'cluster' }
        : {
            type: r.type === 'topic' ? 'topic' : 'transactionalId',
            name: r.name,
            // Strimzi spells the pattern types literal and prefix.
            patternType: r.pattern === 'prefixed' ? 'prefix' : 'literal',
          }
    const key = JSON.stringify(resource)
    const entry = byResource.get(key) ?? { resource, operations: [] }
    entry.operations.push(acl.operation)
    byResource.set(key, entry)
  }
  return { type: 'simple', acls: [...byResource.values()] }
}
