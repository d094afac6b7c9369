import { describe, expect, it } from 'vitest'
import { WORKER_PORT } from '../../../../contract/defaults.ts'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { podLabels } from '../../../../operator/model/labels.ts'
import { desiredNetworkPolicy, type NetworkPolicySettings } from '../../../../operator/model/network-policy.ts'
import { desiredWorkerPod } from '../../../../operator/model/worker-pod.ts'
import { streamJob } from '../fixtures.ts'

const OPERATOR_LABELS = {
  'app.kubernetes.io/name': 'exactly',
  'app.kubernetes.io/instance': 'exactly',
  'app.kubernetes.io/component': 'operator',
}
const settings: NetworkPolicySettings = {
  operatorNamespace: 'exactly-system',
  operatorPodLabels: OPERATOR_LABELS,
  metricsFrom: [],
}
/** Does a matchLabels selector select a pod with these labels? */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value)

describe('desiredNetworkPolicy()', () => {
  const job = streamJob({ podTemplate: { labels: { team: 'streams' } } })
  const policy = desiredNetworkPolicy(job, settings)

  it('is named after the job and its uid, lives in its namespace and is owned by the StreamJob (garbage-collected with it)', () => {
    expect(policy.apiVersion).toBe('networking.k8s.io/v1')
    expect(policy.kind).toBe('NetworkPolicy')
    expect(policy.metadata?.name).toBe('counts-workers-uid-1')
    expect(policy.metadata?.namespace).toBe('team')
    expect(policy.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'exactly.dev/v1alpha1',
        kind: 'StreamJob',
        name: 'counts',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ])
    expect(policy.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'exactly',
      'app.kubernetes.io/instance': 'counts',
      'app.kubernetes.io/managed-by': 'exactly-operator',
      'exactly.dev/job': 'counts',
    })
  })

  it("selects the job's worker pods of every generation and attempt, not its recover pods nor another job's", () => {
    const selector = policy.spec?.podSelector?.matchLabels
    const pod = (ids: { generation: number; slot: number; attempt: number }) =>
      desiredWorkerPod(job, ids, { revision: 'r', terminationGracePeriodSeconds: 1, durations: jobDurations(job.spec) })
        .metadata?.labels ?? {}
    expect(selects(selector, pod({ generation: 1, slot: 0, attempt: 1 }))).toBe(true)
    expect(selects(selector, pod({ generation: 7, slot: 3, attempt: 4 }))).toBe(true)
    expect(selects(selector, podLabels('counts', 'recover', { generation: 1 }))).toBe(false)
    expect(selects(selector, podLabels('other', 'worker', { generation: 1, slot: 0, attempt: 1 }))).toBe(false)
    expect(policy.spec?.podSelector?.matchExpressions).toBeUndefined()
  })

  it("lets in only the operator's pods of the operator's namespace, on the worker port, and leaves egress open", () => {
    expect(policy.spec?.policyTypes).toEqual(['Ingress'])
    expect(policy.spec?.egress).toBeUndefined()
    expect(policy.spec?.ingress).toEqual([
      {
        // One peer with both selectors: these labels in that namespace, not either one alone.
        _from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'exactly-system' } },
            podSelector: { matchLabels: OPERATOR_LABELS },
          },
        ],
        ports: [{ protocol: 'TCP', port: WORKER_PORT }],
      },
    ])
  })

  it('adds the configured metrics scrapers as peers of the same rule, on the same port', () => {
    const prometheus = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    }
    const withScrapers = desiredNetworkPolicy(job, {
      ...settings,
      metricsFrom: [prometheus, { ipBlock: { cidr: '10.0.0.0/24' } }],
    })
    const rules = withScrapers.spec?.ingress ?? []
    expect(rules).toHaveLength(1)
    expect(rules[0]?._from?.slice(1)).toEqual([prometheus, { ipBlock: { cidr: '10.0.0.0/24' } }])
    expect(rules[0]?.ports).toEqual([{ protocol: 'TCP', port: WORKER_PORT }])
  })

  it('shortens a long job name as pod names are (63 characters)', () => {
    // The CRD takes names up to 63 characters (the exactly.dev/job label's limit).
    const long = desiredNetworkPolicy(streamJob({}, { name: 'x'.repeat(60) }), settings)
    expect(long.metadata?.name?.length).toBeLessThanOrEqual(63)
    expect(long.metadata?.name).toMatch(/^x+-[0-9a-f]{8}-workers-uid-1$/)
    expect(long.spec?.podSelector?.matchLabels?.['exactly.dev/job']).toBe('x'.repeat(60))
  })
})
