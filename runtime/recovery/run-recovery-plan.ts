/**
 * Carries out the transaction steps of a recovery plan (recovery-plan.ts decides them) against
 * the Kafka and checkpoint-storage ports: commit what the head promised, mark that commit done,
 * fence the pool, close hanging transactions. A starting slot (runtime/slot/slot-recovery.ts)
 * and `exactly recover` (recover-generation.ts) both run their plans here, so the order that
 * keeps exactly-once is written once. What to restore is handed back: a slot builds its tasks
 * from it, `exactly recover` writes it into a restore point.
 */

import type { Logger } from 'pino'
import type { SlotStorage } from '../checkpoint/slot-storage.ts'
import type { KafkaClient, ProducerIdentity } from '../kafka/kafka-client.ts'
import type { KafkaAccessDeniedError } from '../kafka/kafka-errors.ts'
import { abortByFencing, commitTransaction } from '../sink/committer.ts'
import { closeHangingTransactions } from './close-hanging-transactions.ts'
import type { HangingTransaction } from './hanging-transactions.ts'
import type { RecoveryPlan, TaskOrigin } from './recovery-plan.ts'

export interface RecoveryPorts {
  kafka: KafkaClient
  storage: Pick<SlotStorage, 'markCommittableDone'>
  transactionTimeoutMs: number
  /** Every topic the slot's transactions may have written: sink, dead-letter and source topics (repartitioning). */
  outputTopics: readonly string[]
  log: Logger
}

export interface RecoveryRun {
  /** The head's transaction was committed by this run (absent: nothing to commit, or done before). */
  committed?: { checkpointId: number }
  /** The broker had already aborted the head's transaction: its output is lost. */
  lost?: { checkpointId: number; committable: ProducerIdentity; errorType: string }
  /** Every id of the pool with its new epoch: the slot's first transaction opens with one. */
  fenced: Map<string, ProducerIdentity>
  /** Transactions their coordinator had forgotten, closed here with a marker. */
  hangingClosed: HangingTransaction[]
  /** The ACL refusal that kept recovery from looking for or closing hanging transactions. */
  hangingDenied?: KafkaAccessDeniedError
  /** Where each task's state and offsets come from. */
  restore: readonly TaskOrigin[]
}

export async function runRecoveryPlan(plan: RecoveryPlan, ports: RecoveryPorts): Promise<RecoveryRun> {
  const { kafka, log } = ports
  const run: RecoveryRun = { fenced: new Map(), hangingClosed: [], restore: [] }
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'commit': {
        const outcome = await commitTransaction(kafka, step.committable)
        if (outcome.kind === 'committed') {
          run.committed = { checkpointId: step.checkpointId }
          log.info({ checkpointId: step.checkpointId }, 'committed the head checkpoint transaction')
        } else {
          run.lost = { checkpointId: step.checkpointId, committable: step.committable, errorType: outcome.errorType }
        }
        break
      }
      case 'markCommittableDone':
        await ports.storage.markCommittableDone(step.checkpointId)
        break
      case 'fence':
        run.fenced = await abortByFencing(kafka, step.transactionalIds, ports.transactionTimeoutMs)
        break
      case 'closeHanging':
        run.hangingClosed = await closeHangingTransactions({
          kafka,
          outputTopics: ports.outputTopics,
          fenced: [...run.fenced.values()],
          promised: step.promised,
          log,
          denied: (error) => {
            run.hangingDenied = error
          },
        })
        break
      case 'restore':
        run.restore = step.tasks
        break
      default: {
        const never: never = step
        throw new Error(`Unknown recovery step ${JSON.stringify(never)}`)
      }
    }
  }
  return run
}
