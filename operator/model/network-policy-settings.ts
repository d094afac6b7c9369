/**
 * The NetworkPolicy settings from the operator's environment, as the chart sets it:
 *   EXACTLY_NETWORK_POLICY             "true" | "false" (unset: false; the chart sets true by default)
 *   POD_NAMESPACE                      the operator's namespace (downward API)
 *   EXACTLY_OPERATOR_POD_LABELS        JSON object: the labels that select the operator's pods
 *   EXACTLY_NETWORK_POLICY_METRICS_FROM JSON list of NetworkPolicyPeer (unset or empty: none)
 * Pure, and checked before the operator starts: a policy it cannot build must stop it at once,
 * not fail every pass of every job later. Unset means off because only the chart knows the
 * operator's pod labels; a policy without them would shut the operator out of its own workers.
 */
import type { V1NetworkPolicyPeer } from '@kubernetes/client-node'
import { z } from 'zod'
import type { NetworkPolicySettings } from './network-policy.ts'

// The API server checks label syntax when the policy is created; this catches the shape (and a
// misspelled field, which the API server would drop without a word).
const labels = z.record(z.string().min(1), z.string())
const selector = z.strictObject({
  matchLabels: labels.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
})
const peer = z
  .strictObject({
    podSelector: selector.optional(),
    namespaceSelector: selector.optional(),
    ipBlock: z.strictObject({ cidr: z.string().min(1), except: z.array(z.string()).optional() }).optional(),
  })
  // The API server refuses an empty peer; say so here, before any job depends on it.
  .refine((p) => Object.keys(p).length > 0, 'a peer sets podSelector, namespaceSelector or ipBlock')

/** undefined: no NetworkPolicy. Throws TypeError naming the variable that is wrong. */
export function parseNetworkPolicySettings(
  env: Readonly<Record<string, string | undefined>>,
): NetworkPolicySettings | undefined {
  const enabled = env.EXACTLY_NETWORK_POLICY ?? ''
  if (enabled === '' || enabled === 'false') return undefined
  if (enabled !== 'true') {
    throw new TypeError(`Cannot read EXACTLY_NETWORK_POLICY: expected "true" or "false", got "${enabled}"`)
  }
  const operatorNamespace = env.POD_NAMESPACE ?? ''
  if (operatorNamespace === '') {
    throw new TypeError("Cannot build the workers' NetworkPolicy: POD_NAMESPACE (the operator's namespace) is not set")
  }
  const operatorPodLabels = parseJson('EXACTLY_OPERATOR_POD_LABELS', env.EXACTLY_OPERATOR_POD_LABELS, labels) ?? {}
  // An empty selector would let every pod of the operator's namespace in.
  if (Object.keys(operatorPodLabels).length === 0) {
    throw new TypeError(
      "Cannot build the workers' NetworkPolicy: EXACTLY_OPERATOR_POD_LABELS must name at least one label of the operator's pods",
    )
  }
  const metricsFrom = parseJson(
    'EXACTLY_NETWORK_POLICY_METRICS_FROM',
    env.EXACTLY_NETWORK_POLICY_METRICS_FROM,
    z.array(peer),
  )
  return {
    operatorNamespace,
    operatorPodLabels,
    // Absent keys stay absent (zod adds none), which is what exactOptionalPropertyTypes asks.
    metricsFrom: (metricsFrom ?? []) as V1NetworkPolicyPeer[],
  }
}

function parseJson<T>(name: string, text: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (text === undefined || text.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new TypeError(`Cannot read ${name}: not JSON: ${(error as Error).message}`)
  }
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    throw new TypeError(`Cannot read ${name}: ${where}${issue?.message ?? 'invalid'}`)
  }
  return result.data
}
