/**
 * The PodDisruptionBudget of a job's workers: a drain or any other user of the Eviction API takes
 * at most one worker of the job at a time, so a node drain never stops a whole job at once (each
 * evicted worker takes its final checkpoint and is replaced, not counted as a restart). Pure.
 *
 * `unhealthyPodEvictionPolicy: AlwaysAllow`: a worker that is not ready (starting, or failing)
 * may always be evicted, so a job in trouble never blocks a drain.
 */
import type { V1PodDisruptionBudget } from '@kubernetes/client-node'
import type { StreamJob } from '../api/streamjob-types.ts'
import { jobLabels, workerPodSelector } from './labels.ts'
import { podDisruptionBudgetName } from './names.ts'
import { controllerReference } from './owner-reference.ts'

export function desiredPodDisruptionBudget(job: StreamJob): V1PodDisruptionBudget {
  const { name, namespace } = job.metadata
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: podDisruptionBudgetName(name, job.metadata.uid ?? ''),
      namespace,
      labels: jobLabels(name),
      ownerReferences: [controllerReference(job)],
    },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: workerPodSelector(name) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  }
}
