/**
 * The owner reference on everything the operator makes for a StreamJob (pods, NetworkPolicy),
 * controller-runtime's `SetControllerReference`: deleting the StreamJob garbage-collects them,
 * and `blockOwnerDeletion` keeps the StreamJob until they are gone when it is deleted in the
 * foreground (which is why the chart grants `update` on `streamjobs/finalizers`).
 */
import type { V1OwnerReference } from '@kubernetes/client-node'
import type { StreamJob } from '../api/streamjob-types.ts'

export function controllerReference(job: StreamJob): V1OwnerReference {
  return {
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    name: job.metadata.name,
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  }
}
