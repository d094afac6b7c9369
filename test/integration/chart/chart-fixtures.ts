/**
 * What the chart tests share: the operator's exact rules, a valid StreamJob for dry runs, and the
 * namespaces each test file creates on the real API server (a release namespace under the
 * restricted Pod Security Standard, two namespaces a release may watch), deleted afterwards with
 * the cluster-wide RBAC of the releases the file installed.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, inject } from 'vitest'
import { createNamespace, kubeFor } from '../helpers/kube.ts'
import { kubectl, type PolicyRule, tools } from './chart.ts'

/** Everything the operator does (operator/kube, operator/controller); one more verb fails the test. */
export const JOB_RULES: PolicyRule[] = [
  { apiGroups: ['exactly.dev'], resources: ['streamjobs'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: ['exactly.dev'], resources: ['streamjobs/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['exactly.dev'], resources: ['streamjobs/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['create'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create'] },
]
export const LEADER_ELECTION_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
]

/** Only the ServiceAccount and RBAC: applied for real (the operator's code is someone else's test). */
export const RBAC_ONLY = ['--show-only', 'templates/serviceaccount.yaml', '--show-only', 'templates/rbac.yaml']
/** What `helm install` sees on a cluster with MutatingAdmissionPolicy (1.36+); `helm template` alone does not. */
export const WITH_POLICY_API = ['--api-versions', 'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy']
export const FINALIZER = 'exactly.dev/stop-cleanly'

export /** A valid StreamJob as JSON, for server-side dry-run creates. */
function streamJob(name: string, finalizers?: string[]): string {
  return JSON.stringify({
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts' },
      kafka: { bootstrapServers: ['kafka:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
      checkpoint: { storage: { uri: 's3://bucket/jobs' } },
    },
  })
}

export async function ok(what: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const result = await what
  if (result.code !== 0) throw new Error(`exit ${result.code}:\n${result.stderr}${result.stdout}`)
  return result.stdout
}

/** A chart test file's cluster: its namespaces, set in beforeAll; its releases' RBAC, removed in afterAll. */
export interface ChartCluster {
  kubeconfig: string
  releaseNamespace: string
  watched: [string, string]
  /** `watchNamespaces={a,b}` for helm --set. */
  watchArg(): string
  /** A release name unique to this run (ClusterRoles are cluster-wide and the stack is shared). */
  release(prefix: string): string
  /** `kubectl auth can-i` as a release's operator ServiceAccount, one question at a time. */
  answers(release: string, questions: string[][]): Promise<Record<string, string>>
  canI(release: string, args: string[]): Promise<string>
}

export function useChartCluster(): ChartCluster {
  const stack = inject('stack')
  const { core } = kubeFor(stack)
  const id = randomUUID().slice(0, 6)
  const releases: string[] = []
  const cluster: ChartCluster = {
    kubeconfig: stack.kube!.kubeconfig,
    releaseNamespace: '',
    watched: ['', ''],
    watchArg: () => `watchNamespaces={${cluster.watched.join(',')}}`,
    release: (prefix) => {
      const name = `${prefix}-${id}`
      releases.push(name)
      return name
    },
    async canI(release, args) {
      const serviceAccount = `system:serviceaccount:${cluster.releaseNamespace}:${release}-exactly`
      const result = await kubectl(cluster.kubeconfig, ['auth', 'can-i', `--as=${serviceAccount}`, ...args])
      const answer = result.stdout.trim()
      if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${args.join(' ')}: ${result.stderr}`)
      return answer
    },
    async answers(release, questions) {
      const result: Record<string, string> = {}
      // One at a time: the machine is shared, and the answers read better in order.
      for (const question of questions) result[question.join(' ')] = await cluster.canI(release, question)
      return result
    },
  }
  beforeAll(async () => {
    await tools() // fails here, loudly, when helm or kubectl cannot be installed
    cluster.releaseNamespace = await createNamespace(core, 'chart')
    cluster.watched = [await createNamespace(core, 'chart-a'), await createNamespace(core, 'chart-b')]
    // The restricted Pod Security Standard: the API server warns about a Deployment whose pods
    // would break it, and refuses such pods.
    await ok(
      kubectl(cluster.kubeconfig, [
        'label',
        'namespace',
        cluster.releaseNamespace,
        'pod-security.kubernetes.io/enforce=restricted',
        'pod-security.kubernetes.io/warn=restricted',
      ]),
    )
  })
  afterAll(async () => {
    const namespaces = [cluster.releaseNamespace, ...cluster.watched].filter(Boolean)
    await kubectl(cluster.kubeconfig, ['delete', 'namespace', '--wait=false', '--ignore-not-found', ...namespaces])
    for (const release of releases)
      await kubectl(cluster.kubeconfig, [
        'delete',
        'clusterrole,clusterrolebinding',
        '--ignore-not-found',
        '-l',
        `app.kubernetes.io/instance=${release}`,
      ])
  })
  return cluster
}

export const allowed = (questions: string[][]) => Object.fromEntries(questions.map((q) => [q.join(' '), 'yes']))
export const denied = (questions: string[][]) => Object.fromEntries(questions.map((q) => [q.join(' '), 'no']))
