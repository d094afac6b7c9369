/**
 * The NetworkPolicy that guards a job's worker pods. A worker serves `/status`, `/metrics` and
 * `POST /stop` on WORKER_PORT to whoever reaches its pod IP; the stop is signed, but status and
 * metrics are not, so only the operator's pods (and the metrics scrapers the chart names) may
 * connect. Ingress only: workers need Kafka, S3 and DNS, so their egress stays as the cluster
 * has it. Pure: job and settings in, a V1NetworkPolicy out (Strimzi's `generateNetworkPolicy`).
 *
 * Kubernetes lets traffic from a pod's own node through whatever the policy says, so the
 * kubelet's probes keep working. Policies add up: another policy that selects the workers can
 * only allow more, never less.
 */
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node'
import { WORKER_PORT } from '../../contract/defaults.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import { jobLabels, workerPodSelector } from './labels.ts'
import { networkPolicyName } from './names.ts'
import { controllerReference } from './owner-reference.ts'

/** The label every namespace carries with its own name (Kubernetes sets it since 1.21). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

export interface NetworkPolicySettings {
  /** The namespace the operator's pods run in. */
  operatorNamespace: string
  /** Labels that select the operator's pods there (the chart's selector labels). */
  operatorPodLabels: Record<string, string>
  /** Who else may reach the worker port, e.g. the Prometheus that scrapes workers' /metrics. */
  metricsFrom: V1NetworkPolicyPeer[]
}

export function desiredNetworkPolicy(job: StreamJob, settings: NetworkPolicySettings): V1NetworkPolicy {
  const { name, namespace } = job.metadata
  const operator: V1NetworkPolicyPeer = {
    // Both selectors in one peer: the operator's pods in the operator's namespace, not pods with
    // the same labels anywhere else (two peers would allow either).
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: settings.operatorNamespace } },
    podSelector: { matchLabels: { ...settings.operatorPodLabels } },
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: networkPolicyName(name, job.metadata.uid ?? ''),
      namespace,
      labels: jobLabels(name),
      ownerReferences: [controllerReference(job)],
    },
    spec: {
      podSelector: { matchLabels: workerPodSelector(name) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          // client-node's name for `from`: its serializer writes `_from` as `from` and drops a
          // `from` key, and a rule without `from` would let every source in.
          _from: [operator, ...settings.metricsFrom],
          ports: [{ protocol: 'TCP', port: WORKER_PORT }],
        },
      ],
    },
  }
}
