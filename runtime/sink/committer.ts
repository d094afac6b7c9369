/**
 * The second phase of the two-phase-commit sink: settling a pre-committed transaction from its
 * committable, from any process (the slot that wrote it, its replacement, `exactly recover`).
 * Normal commits and recovery share these verbs and one outcome (Flink's Committer).
 */
import type { KafkaClient, ProducerIdentity } from '../kafka/kafka-client.ts'

/**
 * How a commit ended. `committed` includes "already committed" (a commit is idempotent).
 * `expired`: the broker no longer knows this producer and epoch, so it aborted the
 * transaction (it outlived `kafka.transactionTimeout`, or the id was fenced first): the
 * transaction's output is lost, and the caller must raise an alarm, never carry on silently.
 */
export type CommitOutcome = { kind: 'committed' } | { kind: 'expired'; errorType: string }

/**
 * Commits the transaction the committable names (EndTxn commit with its stored producer id and
 * epoch). Promise: once this resolves `committed`, read_committed consumers see every record of
 * it; calling it again answers `committed` again. Retriable broker errors are retried by the
 * Kafka adapter; an unreachable cluster rejects, and the caller retries.
 */
export async function commitTransaction(kafka: KafkaClient, committable: ProducerIdentity): Promise<CommitOutcome> {
  const outcome = await kafka.endTransaction(committable, true)
  return outcome.kind === 'done' ? { kind: 'committed' } : { kind: 'expired', errorType: outcome.errorType }
}

/**
 * The abort of this protocol: InitProducerId on every id of a slot's pool. Bumping an id's epoch
 * aborts whatever transaction is open on it (ours, a dead process's, a zombie's) and fences every
 * older producer of it. Promise: once this resolves, no transaction of those ids from before is
 * open or can still be written to; the returned identities are the ids' new epochs, which the
 * caller may open its own transactions with. Only the attempt that holds the slot head may call
 * it, and only after committing what the head promised (DESIGN section 5).
 */
export async function abortByFencing(
  kafka: KafkaClient,
  transactionalIds: readonly string[],
  transactionTimeoutMs: number,
): Promise<Map<string, ProducerIdentity>> {
  // All at once: each id waits on its own coordinator's abort, which the others need not queue behind.
  const identities = await Promise.all(transactionalIds.map((id) => kafka.initProducerId(id, transactionTimeoutMs)))
  return new Map(transactionalIds.map((id, i) => [id, identities[i]!]))
}
