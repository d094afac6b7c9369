/**
 * The StreamJobs of the operator-scale benchmark: their spec (suspended, so no worker pod runs),
 * the chart's finalizer policy bound to their namespace, a watch that counts them Suspended,
 * and their deletion at the end.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type CoreV1Api, type CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node'
import { GROUP, PLURAL, VERSION } from '../operator/kube/kube-api.ts'
import type { PooledKubeConfig } from '../operator/kube/pooled-kube-config.ts'
import type { KubeTools } from '../stack/kubectl.ts'
import { REPO_ROOT } from '../stack/repo-root.ts'
import { waitFor } from '../stack/wait.ts'

/**
 * The chart's finalizer policy (charts/exactly/templates/finalizer-policy.yaml), bound to the
 * bench namespace, as `helm install` renders it for this cluster (`--validate` reads the live
 * cluster's APIs: nothing on clusters before 1.36). BENCH_OPERATOR_FINALIZER_POLICY=0 leaves it
 * out, so the operator adds every finalizer itself. Returns the manifests applied, if any.
 */
export async function installFinalizerPolicy(tools: KubeTools, namespace: string): Promise<string | undefined> {
  if (process.env.BENCH_OPERATOR_FINALIZER_POLICY === '0') return undefined
  const manifests = await tools
    .helm([
      'template',
      namespace,
      join(REPO_ROOT, 'charts/exactly'),
      '--validate',
      '--set',
      `watchNamespaces={${namespace}}`,
      '--show-only',
      'templates/finalizer-policy.yaml',
    ])
    .catch((error: Error) => {
      // helm says so when the template renders nothing (a cluster before 1.36); anything else fails.
      if (error.message.includes('could not find template')) return ''
      throw error
    })
  if (!manifests.includes('MutatingAdmissionPolicy')) return undefined
  await tools.kubectl(['apply', '-f', '-'], manifests)
  // The API server loads a new policy asynchronously: wait until a dry-run create shows it.
  const dryRun = ['create', '--dry-run=server', '-o', 'jsonpath={.metadata.finalizers}', '-f', '-']
  await waitFor(
    'new StreamJobs get the finalizer from the applied policy',
    async () => (await tools.kubectl(dryRun, probeJob(namespace))).includes('exactly.dev/stop-cleanly'),
    30_000,
    { intervalMs: 100 },
  )
  return manifests
}

function probeJob(namespace: string): string {
  return JSON.stringify({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'StreamJob',
    metadata: { name: 'probe', namespace },
    spec: jobSpec(),
  })
}

/** The spec of every bench job: suspended, so no worker pod runs. */
export function jobSpec() {
  return {
    image: 'exactly:dev',
    job: { module: '/app/examples/word-count/job.ts' },
    state: 'suspended',
    kafka: { bootstrapServers: ['kafka:9092'], source: { topics: ['in'] }, sink: { topic: 'out' } },
    checkpoint: { storage: { uri: 's3://bench/jobs', endpoint: 'http://s3:8333' } },
  }
}

/**
 * Resolves with how many of the namespace's jobs show phase Suspended, once all `count` do or at
 * `timeoutMs`. A watch, not a list a second: the bench must not be the API server's main load.
 */
export function waitUntilSuspended(kc: PooledKubeConfig, namespace: string, count: number, timeoutMs: number) {
  const phases = new Map<string, string | undefined>()
  const suspended = () => [...phases.values()].filter((p) => p === 'Suspended').length
  return new Promise<number>((resolve) => {
    let done = false
    let request: AbortController | undefined
    const finish = () => {
      done = true
      clearTimeout(timer)
      request?.abort()
      resolve(suspended())
    }
    const timer = setTimeout(finish, timeoutMs)
    if (count === 0) return finish()
    const watch = () =>
      void new Watch(kc)
        .watch(
          `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
          {},
          (type, job: { metadata: { name: string }; status?: { phase?: string } }) => {
            if (type === 'DELETED') phases.delete(job.metadata.name)
            else if (type === 'ADDED' || type === 'MODIFIED') phases.set(job.metadata.name, job.status?.phase)
            if (phases.size >= count && suspended() >= count) finish()
          },
          // Watches end (server timeouts): a new one starts with every job again.
          () => setTimeout(() => !done && watch(), 100),
        )
        .then((r) => {
          request = r
        })
    watch()
  })
}

/**
 * The jobs first, while the operator runs and leads: it removes their finalizers. (Deleting the
 * namespace first would delete the operator's Lease, which lives there too, and stop it.) A
 * delete-collection cut short under load is issued again. Whatever still holds a finalizer after
 * the wait loses it by patch once the operator is stopped (else it would put it back on a job
 * not yet being deleted), so no run leaves a namespace stuck in Terminating.
 */
export async function cleanUp(
  custom: CustomObjectsApi,
  core: CoreV1Api,
  namespace: string,
  stopOperator: () => Promise<void>,
): Promise<void> {
  const started = Date.now()
  const scope = { group: GROUP, version: VERSION, plural: PLURAL, namespace }
  type Listed = { items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }
  let left: Listed['items'] = []
  while (Date.now() - started < 300_000) {
    if (left.length === 0 || left.some((j) => !j.metadata.deletionTimestamp))
      await custom.deleteCollectionNamespacedCustomObject(scope).catch(() => {})
    left = ((await custom.listNamespacedCustomObject(scope)) as Listed).items
    if (left.length === 0) break
    await sleep(2000)
  }
  console.log(`deleted the jobs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${left.length} still held`)
  await stopOperator()
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  for (const { metadata } of left) {
    await custom
      .patchNamespacedCustomObject({ ...scope, name: metadata.name, body: { metadata: { finalizers: null } } }, merge)
      .catch((error: unknown) => console.log(`cannot release ${metadata.name}: ${error}`))
  }
  await core.deleteNamespace({ name: namespace }).catch(() => {})
}
