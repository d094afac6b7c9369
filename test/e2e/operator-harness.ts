/**
 * The operator as the end-to-end suites run it, as a user would: installed with helm (two
 * replicas on the node agent, watching one namespace), its StreamJobs read and changed through
 * the API, bounded waits whose failure message carries the operator pods' last log lines and
 * the StreamJob's status, and a cleanup that leaves nothing behind even when the test failed
 * half-way.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { GROUP, PLURAL, VERSION } from '../../operator/kube/kube-api.ts'
import { type KubeTools, kubeTools } from '../../stack/kubectl.ts'
import { stackPodsDir, tailPodLogs } from '../../stack/node-agent/pod-logs.ts'
import { pidOf } from '../../stack/node-agent/pod-status.ts'
import { REPO_ROOT } from '../../stack/repo-root.ts'
import type { StackInfo } from '../../stack/stack.ts'
import { waitFor } from '../../stack/wait.ts'
import { createNamespace, kubeFor } from '../integration/helpers/kube.ts'

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** The operator installed with helm in its own namespace, and a namespace for StreamJobs. */
export class OperatorHarness {
  readonly release = `chaos-${randomUUID().slice(0, 6)}`
  readonly system = `${this.release}-system`
  namespace = ''
  readonly kc: KubeConfig
  readonly core: CoreV1Api
  readonly custom: CustomObjectsApi
  readonly coordination: CoordinationV1Api
  installed = false
  readonly stack: StackInfo
  #tools: Promise<KubeTools> | undefined

  constructor(stack: StackInfo) {
    this.stack = stack
    const { kc } = kubeFor(stack)
    this.kc = kc
    this.core = kc.makeApiClient(CoreV1Api)
    this.custom = kc.makeApiClient(CustomObjectsApi)
    this.coordination = kc.makeApiClient(CoordinationV1Api)
  }

  /** kubectl and helm against the stack, each command stopped after 3 minutes. */
  tools(): Promise<KubeTools> {
    this.#tools ??= kubeTools({ kubeconfig: this.stack.kube!.kubeconfig, timeoutMs: 180_000 })
    return this.#tools
  }

  async kubectl(...args: string[]): Promise<string> {
    return (await this.tools()).kubectl(args)
  }

  /** CRD, namespace with the S3 secret, then `helm install` with two replicas watching it. */
  async install(): Promise<void> {
    const s3 = this.stack.s3!
    await this.kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=exactly-tests',
      '-f',
      join(REPO_ROOT, 'crds/streamjobs.exactly.dev.yaml'),
    )
    await this.kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/streamjobs.exactly.dev')
    this.namespace = await createNamespace(this.core, 'chaos')
    await this.core.createNamespacedSecret({
      namespace: this.namespace,
      body: {
        metadata: { name: 's3' },
        stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
      },
    })
    this.installed = true
    const result = await (await this.tools()).run('helm', [
      'install',
      this.release,
      join(REPO_ROOT, 'charts/exactly'),
      '--namespace',
      this.system,
      '--create-namespace',
      '--set',
      'image.repository=exactly',
      '--set',
      'image.tag=dev',
      '--set',
      'replicas=2',
      '--set',
      `watchNamespaces={${this.namespace}}`,
    ])
    if (result.code !== 0) {
      throw new Error(`helm install exited ${result.code}:\n${result.stdout}\n${result.stderr}\n${this.operatorLog()}`)
    }
    try {
      await this.kubectl('rollout', 'status', `deployment/${this.release}-exactly`, '-n', this.system, '--timeout=150s')
    } catch (error) {
      throw new Error(`the operator Deployment did not become available: ${error}\n${this.operatorLog()}`)
    }
  }

  /** The operator pods' last log lines, from the node agent's pod directories. */
  operatorLog(lines = 15): string {
    return tailPodLogs(stackPodsDir(this.stack.dir), this.system, { container: 'operator', lines })
  }

  /** The log of one pod of the job's namespace (the node agent keeps it after the pod is gone). */
  podLog(pod: string, lines = 20): string {
    return tailPodLogs(stackPodsDir(this.stack.dir), this.namespace, { pod, lines })
  }

  private target() {
    return { group: GROUP, version: VERSION, plural: PLURAL, namespace: this.namespace }
  }

  async createJob(body: object): Promise<void> {
    await this.custom.createNamespacedCustomObject({ ...this.target(), body })
  }

  async readJob(name: string): Promise<StreamJob> {
    return (await this.custom.getNamespacedCustomObject({ ...this.target(), name })) as StreamJob
  }

  async jobExists(name: string): Promise<boolean> {
    return this.readJob(name).then(
      () => true,
      (error: { code?: number }) => {
        if (error.code === 404) return false
        throw error
      },
    )
  }

  async patchJob(name: string, body: object): Promise<void> {
    await this.custom.patchNamespacedCustomObject({ ...this.target(), name, body }, mergePatch)
  }

  async deleteJob(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.target(), name })
  }

  async jobPods(name: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `exactly.dev/job=${name}` }))
      .items
  }

  /** A compact view of the StreamJob's status and pods for failure messages. */
  async describe(name: string): Promise<string> {
    const job = await this.readJob(name).catch((e: unknown) => `(cannot read the StreamJob: ${e})`)
    const pods = await this.jobPods(name).catch(() => [])
    const status = typeof job === 'string' ? job : JSON.stringify(job.status, null, 1)
    const podLines = pods.map(
      (p) =>
        `  ${p.metadata?.name} ${p.status?.phase}${p.metadata?.deletionTimestamp ? ' (deleting)' : ''} ready=${
          p.status?.conditions?.find((c) => c.type === 'Ready')?.status
        } exit=${p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? '-'}`,
    )
    return `StreamJob status:\n${status}\npods:\n${podLines.join('\n')}`
  }

  /**
   * Polls `check` until it returns a value, at most `timeoutMs`; on time-out, fails with `what`,
   * the last error, the StreamJob's status and pods, and the operator pods' last log lines.
   */
  waitFor<T>(what: string, job: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    return waitFor(what, check, timeoutMs, {
      intervalMs: 500,
      detail: async () => `${await this.describe(job)}\noperator log ends:\n${this.operatorLog()}`,
    })
  }

  /** The pod name of the operator replica holding the Lease, its pid, and when it last renewed (ms). */
  async leader(): Promise<{ pod: string; pid: number | undefined; renewedAt: number }> {
    const lease = await this.coordination.readNamespacedLease({ namespace: this.system, name: 'exactly-operator' })
    const pod = lease.spec?.holderIdentity ?? ''
    const renewedAt = lease.spec?.renewTime ? new Date(lease.spec.renewTime as unknown as string).getTime() : 0
    if (!pod) return { pod, pid: undefined, renewedAt }
    return { pod, pid: pidOf(await this.core.readNamespacedPod({ namespace: this.system, name: pod })), renewedAt }
  }

  /**
   * Deletes the StreamJob (waiting up to `waitMs` for the operator to let it go; then its
   * finalizer is removed, or the namespace would never go away), uninstalls the release and
   * deletes both namespaces. Never throws: it runs after failures too.
   */
  async cleanup(jobs: string[], waitMs = 60_000): Promise<string[]> {
    const problems: string[] = []
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step()
      } catch (error) {
        problems.push(`${what}: ${error}`)
      }
    }
    if (!this.installed) return problems
    for (const job of jobs) {
      if (!(await this.jobExists(job).catch(() => false))) continue
      await attempt(`delete StreamJob ${job}`, () => this.deleteJob(job))
      const gone = async () => !(await this.jobExists(job).catch(() => false))
      await waitFor(`StreamJob ${job} is gone`, gone, waitMs, { intervalMs: 1000 }).catch(() => {})
      if (!(await gone())) {
        problems.push(`StreamJob ${job} was still there ${waitMs / 1000}s after its deletion: removed its finalizer`)
        await attempt(`remove the finalizer of ${job}`, () => this.patchJob(job, { metadata: { finalizers: null } }))
      }
    }
    await attempt('helm uninstall', async () => {
      const result = await (await this.tools()).run('helm', [
        'uninstall',
        this.release,
        '--namespace',
        this.system,
        '--wait',
        '--timeout',
        '60s',
      ])
      if (result.code !== 0) throw new Error(`${result.stdout}${result.stderr}`)
    })
    for (const name of [this.namespace, this.system]) {
      if (name) await attempt(`delete namespace ${name}`, () => this.core.deleteNamespace({ name }))
    }
    return problems
  }
}
