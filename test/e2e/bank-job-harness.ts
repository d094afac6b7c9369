/**
 * What the end-to-end suites need to run the bank-transfers example under the operator as a user
 * would: the operator installed with helm (two replicas on the node agent, watching one
 * namespace), a bank StreamJob and its topics, a feeder that produces the seeded commands at a
 * steady bounded rate, the workers' own /status read over HTTP, bounded waits whose failure
 * message carries the operator pods' last log lines and the StreamJob's status, and a cleanup
 * that leaves nothing behind even when the test failed half-way.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import type { Kafka } from 'kafkajs'
import { WORKER_PORT } from '../../contract/defaults.ts'
import type { WorkerStatus } from '../../contract/worker-status.ts'
import { commandKey } from '../../examples/bank-transfers/generate.ts'
import type { BankCommand } from '../../examples/bank-transfers/model.ts'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { GROUP, PLURAL, VERSION } from '../../operator/kube/kube-api.ts'
import { componentDir } from '../../stack/components.ts'
import type { StackInfo } from '../../stack/stack.ts'
import { helm } from '../integration/chart/chart.ts'
import { createNamespace, eventually, kubeFor, pidOf } from '../integration/helpers/kube.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** One line with the time since `t0`, for a readable timeline in the test output. */
export function logger(t0: number): (line: string) => void {
  return (line) => process.stderr.write(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`)
}

export interface BankTopics {
  commands: string
  credits: string
  events: string
}

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

  constructor(stack: StackInfo) {
    this.stack = stack
    const { kc } = kubeFor(stack)
    this.kc = kc
    this.core = kc.makeApiClient(CoreV1Api)
    this.custom = kc.makeApiClient(CustomObjectsApi)
    this.coordination = kc.makeApiClient(CoordinationV1Api)
  }

  async kubectl(...args: string[]): Promise<string> {
    const kubectl = `${await componentDir('kubectl-helm')}/kubectl`
    return (
      await promisify(execFile)(kubectl, ['--kubeconfig', this.stack.kube!.kubeconfig, ...args], {
        timeout: 180_000,
      })
    ).stdout
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
      join(ROOT, 'crds/streamjobs.exactly.dev.yaml'),
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
    const result = await helm([
      'install',
      this.release,
      join(ROOT, 'charts/exactly'),
      '--namespace',
      this.system,
      '--create-namespace',
      '--kubeconfig',
      this.stack.kube!.kubeconfig,
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
    const dir = join(this.stack.kube!.kubeconfig, '..', '..', 'pods')
    if (!existsSync(dir)) return '(no pod logs)'
    return readdirSync(dir)
      .filter((d) => d.startsWith(`${this.system}_`))
      .map((d) => {
        const file = join(dir, d, 'operator.log')
        const text = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : ''
        return `--- ${d}\n${text}`
      })
      .join('\n')
  }

  /** The log of one pod of the job's namespace (the node agent keeps it after the pod is gone). */
  podLog(pod: string, lines = 20): string {
    const dir = join(this.stack.kube!.kubeconfig, '..', '..', 'pods')
    if (!existsSync(dir)) return '(no pod logs)'
    return readdirSync(dir)
      .filter((d) => d.startsWith(`${this.namespace}_${pod}_`))
      .map((d) => {
        const files = readdirSync(join(dir, d)).filter((f) => f.endsWith('.log'))
        const text = files
          .map((f) =>
            readFileSync(join(dir, d, f), 'utf8')
              .trim()
              .split('\n')
              .slice(-lines)
              .join('\n'),
          )
          .join('\n')
        return `--- ${d}\n${text}`
      })
      .join('\n')
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
  async waitFor<T>(what: string, job: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    try {
      return await eventually(what, check, timeoutMs, 500)
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n${await this.describe(job)}\noperator log ends:\n${this.operatorLog()}`,
      )
    }
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
      const deadline = Date.now() + waitMs
      while (Date.now() < deadline && (await this.jobExists(job).catch(() => false))) await sleep(1000)
      if (await this.jobExists(job).catch(() => false)) {
        problems.push(`StreamJob ${job} was still there ${waitMs / 1000}s after its deletion: removed its finalizer`)
        await attempt(`remove the finalizer of ${job}`, () => this.patchJob(job, { metadata: { finalizers: null } }))
      }
    }
    await attempt('helm uninstall', async () => {
      const result = await helm([
        'uninstall',
        this.release,
        '--namespace',
        this.system,
        '--kubeconfig',
        this.stack.kube!.kubeconfig,
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

/** A worker's own report at GET /status (the operator reads the same). */
export async function workerStatus(pod: V1Pod): Promise<WorkerStatus | undefined> {
  const ip = pod.status?.podIP
  if (!ip) return undefined
  try {
    const res = await fetch(`http://${ip}:${WORKER_PORT}/status`, { signal: AbortSignal.timeout(1500) })
    return res.ok ? ((await res.json()) as WorkerStatus) : undefined
  } catch {
    return undefined
  }
}

export interface FeedProgress {
  sent: number
  retries: number
  done: boolean
  error?: unknown
}

/**
 * Produces `commands` to `topic` in batches of `batch` at no more than `ratePerSecond`: the
 * schedule never bursts to catch up by more than one batch (after a broker outage it just
 * carries on, later). A failed send is retried with the same idempotent producer (so the broker
 * drops a batch it already has) every 500 ms, at most `maxRetries` times in a row.
 */
export function feedAtRate(
  kafka: Kafka,
  topic: string,
  commands: readonly BankCommand[],
  options: { ratePerSecond: number; batch: number; signal: AbortSignal; maxRetries?: number },
): { progress: FeedProgress; finished: Promise<FeedProgress> } {
  const progress: FeedProgress = { sent: 0, retries: 0, done: false }
  const maxRetries = options.maxRetries ?? 240
  const finished = (async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try {
      const perBatchMs = (options.batch / options.ratePerSecond) * 1000
      let due = Date.now()
      while (progress.sent < commands.length && !options.signal.aborted) {
        const n = Math.min(options.batch, commands.length - progress.sent)
        const messages = commands
          .slice(progress.sent, progress.sent + n)
          .map((c) => ({ key: commandKey(c), value: JSON.stringify(c) }))
        for (let tries = 0; ; tries++) {
          try {
            await producer.send({ topic, messages })
            break
          } catch (error) {
            if (tries >= maxRetries || options.signal.aborted) throw error
            progress.retries++
            await sleep(500)
          }
        }
        progress.sent += n
        due = Math.max(due + perBatchMs, Date.now() - perBatchMs)
        const wait = due - Date.now()
        if (wait > 0) await sleep(wait)
      }
      progress.done = progress.sent === commands.length
      return progress
    } catch (error) {
      progress.error = error
      throw error
    } finally {
      await producer.disconnect().catch(() => {})
    }
  })()
  finished.catch(() => {})
  return { progress, finished }
}

/** A bank-transfers StreamJob reading commands and credits, writing events (the shape a user applies). */
export function bankJob(
  stack: StackInfo,
  o: { name: string; namespace: string; bootstrap: string; topics: BankTopics; parallelism: number },
) {
  const s3 = stack.s3!
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'StreamJob',
    metadata: { name: o.name, namespace: o.namespace },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/bank-transfers/job.ts', config: { creditsTopic: o.topics.credits } },
      parallelism: o.parallelism,
      kafka: {
        bootstrapServers: [o.bootstrap],
        source: { topics: [o.topics.commands, o.topics.credits] },
        sink: { topic: o.topics.events },
        transactionTimeout: '60s',
      },
      checkpoint: {
        interval: '1s',
        timeout: '30s',
        storage: {
          uri: `s3://${s3.bucket}/chaos-${randomUUID().slice(0, 8)}`,
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: true,
          credentialsSecretRef: { name: 's3' },
        },
      },
      restartPolicy: { maxRestarts: 200, backoff: { initial: '1s', max: '5s' } },
    },
  }
}
