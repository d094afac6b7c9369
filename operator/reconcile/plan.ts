/**
 * What a reconcile pass decided: the actions to apply (in order), the status to write, the
 * Events to record and when to look again. Plain data; `controller/apply-plan.ts` carries it out.
 */
import type { V1NetworkPolicy, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node'
import type { SavepointStep } from '../../contract/worker-savepoint.ts'
import type { StreamJobStatus } from '../api/streamjob-types.ts'

export type Action =
  | { kind: 'addFinalizer' }
  | { kind: 'removeFinalizer' }
  /** Create; AlreadyExists means an earlier pass (or a crash before its status write) did it. */
  | { kind: 'createPod'; pod: V1Pod }
  | { kind: 'deletePod'; name: string; reason: string }
  /**
   * Create the job's NetworkPolicy (model/network-policy.ts), before the worker pods it guards;
   * AlreadyExists means done. Never updated: the operator may only create it (docs/helm.md).
   */
  | { kind: 'ensureNetworkPolicy'; policy: V1NetworkPolicy }
  | { kind: 'ensurePodDisruptionBudget'; budget: V1PodDisruptionBudget }
  /**
   * POST /stop, signed for this worker: a final checkpoint, its commit, exit 0. Idempotent, so
   * repeated while waiting.
   */
  | { kind: 'stopWorker'; pod: string; podIP: string; generation: number; slot: number; attempt: number }
  /** A signed savepoint step (contract/worker-savepoint.ts); idempotent, so repeated until it shows. */
  | {
      kind: 'savepointStep'
      pod: string
      podIP: string
      generation: number
      slot: number
      attempt: number
      step: SavepointStep
    }

export interface PlannedEvent {
  type: 'Normal' | 'Warning'
  /** CamelCase, like condition reasons. */
  reason: string
  message: string
}

export interface Plan {
  actions: Action[]
  /** undefined: leave status alone (the job is paused). */
  status: StreamJobStatus | undefined
  events: PlannedEvent[]
  /** Look again after this long even if nothing changes (backoff, deadlines, polling). */
  requeueAfterMs: number | undefined
}
