import { describe, expect, it } from 'vitest'
import { parseNetworkPolicySettings } from '../../../../operator/model/network-policy-settings.ts'

/** What the chart sets on the operator Deployment (release "exactly" in "exactly-system"). */
const CHART_ENV = {
  EXACTLY_NETWORK_POLICY: 'true',
  POD_NAMESPACE: 'exactly-system',
  EXACTLY_OPERATOR_POD_LABELS:
    '{"app.kubernetes.io/name":"exactly","app.kubernetes.io/instance":"exactly","app.kubernetes.io/component":"operator"}',
  EXACTLY_NETWORK_POLICY_METRICS_FROM: '[]',
}

describe('parseNetworkPolicySettings()', () => {
  it("reads the chart's settings", () => {
    expect(parseNetworkPolicySettings(CHART_ENV)).toEqual({
      operatorNamespace: 'exactly-system',
      operatorPodLabels: {
        'app.kubernetes.io/name': 'exactly',
        'app.kubernetes.io/instance': 'exactly',
        'app.kubernetes.io/component': 'operator',
      },
      metricsFrom: [],
    })
  })

  it('is off when EXACTLY_NETWORK_POLICY is unset, empty or "false" (only the chart knows the operator\'s labels)', () => {
    expect(parseNetworkPolicySettings({})).toBeUndefined()
    expect(parseNetworkPolicySettings({ ...CHART_ENV, EXACTLY_NETWORK_POLICY: '' })).toBeUndefined()
    expect(parseNetworkPolicySettings({ ...CHART_ENV, EXACTLY_NETWORK_POLICY: 'false' })).toBeUndefined()
  })

  it('reads metrics peers: pod and namespace selectors, expressions, IP blocks; unset means none', () => {
    const peers = [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['prometheus'] }] },
      },
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
    ]
    const settings = parseNetworkPolicySettings({
      ...CHART_ENV,
      EXACTLY_NETWORK_POLICY_METRICS_FROM: JSON.stringify(peers),
    })
    expect(settings?.metricsFrom).toEqual(peers)
    const { EXACTLY_NETWORK_POLICY_METRICS_FROM: _unset, ...without } = CHART_ENV
    expect(parseNetworkPolicySettings(without)?.metricsFrom).toEqual([])
  })

  it('refuses, naming the variable, what would build a wrong policy', () => {
    const refusals: Array<[Record<string, string>, string]> = [
      [{ EXACTLY_NETWORK_POLICY: 'yes' }, 'Cannot read EXACTLY_NETWORK_POLICY: expected "true" or "false", got "yes"'],
      [
        { POD_NAMESPACE: '' },
        "Cannot build the workers' NetworkPolicy: POD_NAMESPACE (the operator's namespace) is not set",
      ],
      // An empty selector would let every pod of the operator's namespace in.
      [{ EXACTLY_OPERATOR_POD_LABELS: '{}' }, 'EXACTLY_OPERATOR_POD_LABELS must name at least one label'],
      [{ EXACTLY_OPERATOR_POD_LABELS: '' }, 'EXACTLY_OPERATOR_POD_LABELS must name at least one label'],
      [{ EXACTLY_OPERATOR_POD_LABELS: '{"a":' }, 'Cannot read EXACTLY_OPERATOR_POD_LABELS: not JSON'],
      [{ EXACTLY_OPERATOR_POD_LABELS: '{"a":1}' }, 'Cannot read EXACTLY_OPERATOR_POD_LABELS: a: '],
      [{ EXACTLY_NETWORK_POLICY_METRICS_FROM: '{}' }, 'Cannot read EXACTLY_NETWORK_POLICY_METRICS_FROM: '],
      // The API server refuses an empty peer; a misspelled field it would drop without a word.
      [{ EXACTLY_NETWORK_POLICY_METRICS_FROM: '[{}]' }, '0: a peer sets podSelector, namespaceSelector or ipBlock'],
      [
        { EXACTLY_NETWORK_POLICY_METRICS_FROM: '[{"podSelecter":{}}]' },
        'Cannot read EXACTLY_NETWORK_POLICY_METRICS_FROM: 0',
      ],
      [
        { EXACTLY_NETWORK_POLICY_METRICS_FROM: '[{"podSelector":{"matchExpressions":[{"key":"a","operator":"Is"}]}}]' },
        '0.podSelector.matchExpressions.0.operator',
      ],
    ]
    for (const [change, message] of refusals) {
      expect(() => parseNetworkPolicySettings({ ...CHART_ENV, ...change }), JSON.stringify(change)).toThrow(TypeError)
      expect(() => parseNetworkPolicySettings({ ...CHART_ENV, ...change })).toThrow(message)
    }
  })
})
