/**
 * The operator as the operator integration test and the chaos suite run it, as a user would:
 * installed with helm (two replicas on the real node, watching one namespace), its StreamJobs
 * (the shape a user applies) read and changed through the API, bounded waits whose failure
 * message carries the operator pods' last log lines and the StreamJob's status, and a cleanup
 * that leaves nothing behind even when the test failed half-way.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node'
import type { StreamJob } from '../../../operator/api/streamjob-types.ts'
import { GROUP, KubeApi, PLURAL, VERSION } from '../../../operator/kube/kube-api.ts'
import { type KubeTools, kubeTools, waitForStreamJobCrd } from '../../../stack/kubectl.ts'
import { containerPid, tailContainerLogs } from '../../../stack/real-node/pod-inspect.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
import type { StackInfo } from '../../../stack/stack.ts'
import { waitFor } from '../../../stack/wait.ts'
import { applyStreamJobCrd, createNamespace, kubeFor } from './kube.ts'

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** The secret of the StreamJobs' namespace holding the S3 credentials (install() creates it). */
const S3_SECRET = 's3'

/**
 * The operator installed with helm in its own namespace, and a namespace for StreamJobs: the
 * release and the namespace are named `<prefix>-<random>`.
 */
export class OperatorHarness {
  readonly prefix: string
  readonly release: string
  readonly system: string
  namespace = ''
  /** The API clients, made as the operator makes its own. */
  readonly api: KubeApi
  installed = false
  readonly stack: StackInfo
  #tools: Promise<KubeTools> | undefined

  constructor(stack: StackInfo, prefix: string) {
    this.stack = stack
    this.prefix = prefix
    this.release = `${prefix}-${randomUUID().slice(0, 6)}`
    this.system = `${this.release}-system`
    this.api = new KubeApi(kubeFor(stack).kc)
  }

  get core() {
    return this.api.core
  }

  get custom() {
    return this.api.custom
  }

  get coordination() {
    return this.api.coordination
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
    await applyStreamJobCrd(await this.tools())
    await waitForStreamJobCrd((args) => this.kubectl(...args))
    this.namespace = await createNamespace(this.core, this.prefix)
    await this.core.createNamespacedSecret({
      namespace: this.namespace,
      body: {
        metadata: { name: S3_SECRET },
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
    // A CRD this fresh may still be unknown to the API server's admission (the chart's policies
    // match StreamJobs): it answers 503 for a while. Wait until a StreamJob can be created.
    const probe = streamJobManifest(this.stack, {
      name: 'probe',
      namespace: this.namespace,
      module: '/app/examples/word-count/job.ts',
      parallelism: 1,
      bootstrap: 'kafka:9092',
      sources: ['probe'],
      sink: 'probe-out',
      checkpointTimeout: '20s',
      maxRestarts: 0,
      storagePrefix: 'probe',
    })
    await waitFor(
      'a StreamJob can be created (dry run)',
      () => this.custom.createNamespacedCustomObject({ ...this.target(), body: probe, dryRun: 'All' }).then(() => true),
      60_000,
    )
  }

  /** The operator pods' last log lines, from the kubelet's log files. */
  operatorLog(lines = 15): string {
    return tailContainerLogs(this.system, { container: 'operator', lines })
  }

  /** The log of one pod of the job's namespace (while the pod exists: the kubelet removes it with the pod). */
  podLog(pod: string, lines = 20): string {
    return tailContainerLogs(this.namespace, { pod, lines })
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
    return (await this.api.getStreamJob(this.namespace, name)) !== undefined
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
    return {
      pod,
      pid: containerPid(await this.core.readNamespacedPod({ namespace: this.system, name: pod })),
      renewedAt,
    }
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
    // All at once: each deletion waits for its recover pod, and they do not depend on each other.
    await Promise.all(
      jobs.map(async (job) => {
        if (!(await this.jobExists(job).catch(() => false))) return
        await attempt(`delete StreamJob ${job}`, () => this.deleteJob(job))
        const gone = async () => !(await this.jobExists(job).catch(() => false))
        await waitFor(`StreamJob ${job} is gone`, gone, waitMs, { intervalMs: 250 }).catch(() => {})
        if (!(await gone())) {
          problems.push(`StreamJob ${job} was still there ${waitMs / 1000}s after its deletion: removed its finalizer`)
          await attempt(`remove the finalizer of ${job}`, () => this.patchJob(job, { metadata: { finalizers: null } }))
        }
      }),
    )
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

/** What a StreamJob of the tests sets; the rest is the same for all (see `streamJobManifest`). */
export interface TestJob {
  name: string
  namespace: string
  module: string
  config?: Record<string, unknown>
  parallelism: number
  bootstrap: string
  sources: string[]
  sink: string
  checkpointTimeout: string
  maxRestarts: number
  /** The checkpoints go under `<storagePrefix>-<random>/` in the stack's bucket. */
  storagePrefix: string
  /** spec.kafka fields to set besides the topics (tls, authentication, …: helpers/secured-job.ts). */
  kafka?: Record<string, unknown>
}

/**
 * A StreamJob as a user applies it: the `exactly:dev` image, 60 s transactions, 1 s checkpoints
 * on the stack's S3 server (with the credentials of the secret `install()` creates), a restart
 * backoff of 1 s up to 5 s, and small resource requests.
 */
export function streamJobManifest(stack: StackInfo, o: TestJob) {
  const s3 = stack.s3!
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'StreamJob',
    metadata: { name: o.name, namespace: o.namespace },
    spec: {
      image: 'exactly:dev',
      job: { module: o.module, ...(o.config ? { config: o.config } : {}) },
      parallelism: o.parallelism,
      kafka: {
        bootstrapServers: [o.bootstrap],
        source: { topics: o.sources },
        sink: { topic: o.sink },
        transactionTimeout: '60s',
        ...o.kafka,
      },
      checkpoint: {
        interval: '1s',
        timeout: o.checkpointTimeout,
        storage: {
          uri: `s3://${s3.bucket}/${o.storagePrefix}-${randomUUID().slice(0, 8)}`,
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: true,
          credentialsSecretRef: { name: S3_SECRET },
        },
      },
      restartPolicy: { maxRestarts: o.maxRestarts, backoff: { initial: '1s', max: '5s' } },
      // The real scheduler counts requests: with the default 500m, a 2-core test node holds three
      // workers. These small jobs use far less; the memory limit stays generous.
      resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '1Gi' } },
    },
  }
}
