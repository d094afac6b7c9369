/**
 * A job whose pods cannot start says why and what to do, instead of staying Starting forever:
 * the first blocked pod's cause, in the scheduler's or the kubelet's words, with the fix. Nothing
 * was processed by a pod that never started, so correcting the spec loses nothing (the change
 * starts the next generation from the last restore point). Pure.
 */
import { truncateText } from '../../contract/worker-status.ts'
import { ConditionReason as R } from '../api/conditions.ts'
import type { ObservedPod, PodBlock } from './observed.ts'

/** Condition messages the CRD keeps; Events keep 1024 characters. */
const MESSAGE_MAX = 1024
const CAUSE_MAX = 500

export interface BlockedPods {
  reason: string
  message: string
}

const FIX: Record<PodBlock['kind'], { reason: string; fix: string }> = {
  Unschedulable: {
    reason: R.PodUnschedulable,
    fix: 'Lower spec.resources.requests to what a node can hold, or add capacity (or relax spec.podTemplate scheduling constraints); the pod starts as soon as it fits',
  },
  ImageUnavailable: {
    reason: R.ImageUnavailable,
    fix: 'Set spec.image to an image the nodes can pull (a private registry needs spec.podTemplate.imagePullSecrets); changing it starts the job from its last restore point, so nothing is lost',
  },
  ContainerConfigInvalid: {
    reason: R.ContainerConfigInvalid,
    fix: "Create the Secret or ConfigMap the pod's environment names (spec.checkpoint.storage.credentialsSecretRef, spec.podTemplate.env), or correct the reference",
  },
}

/** The first live blocked pod (in name order, so the message is stable) and how many more there are. */
export function blockedPods(pods: readonly ObservedPod[]): BlockedPods | undefined {
  const blocked = pods.filter((p) => p.blocked && !p.deleting).sort((a, b) => a.name.localeCompare(b.name))
  const first = blocked[0]
  if (!first?.blocked) return undefined
  const { reason, fix } = FIX[first.blocked.kind]
  const others = blocked.length > 1 ? ` (${blocked.length - 1} more pod(s) of this job are blocked too)` : ''
  return {
    reason,
    message: truncateText(
      `Pod ${first.name} cannot start: ${truncateText(first.blocked.message, CAUSE_MAX)}${others}. ${fix}`,
      MESSAGE_MAX,
    ),
  }
}
