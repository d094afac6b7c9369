/**
 * The StreamJob CRD on the real kube-apiserver: it installs from the checked-in YAML, the API
 * server refuses invalid jobs with messages that name the field, applies the defaults, keeps
 * immutable fields immutable, serves the status subresource and printer columns, and
 * `kubectl explain` reads the descriptions.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiException, ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parse } from 'yaml'
import { CRD_NAME, GROUP, PLURAL, VERSION } from '../../../operator/api/streamjob-schema.ts'
import { devStreamJob } from '../../../stack/dev/dev-manifest.ts'
import { type KubeTools, kubeTools } from '../../../stack/kubectl.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { applyStreamJobCrd, kubeFor } from '../helpers/kube.ts'
import { INVALID_CASES, minimalStreamJob, type StreamJobObject } from './streamjob-fixtures.ts'

const stack = inject('stack')
const { kc, core } = kubeFor(stack)
const customObjects = kc.makeApiClient(CustomObjectsApi)
const extensions = kc.makeApiClient(ApiextensionsV1Api)
const namespace = `sj-crd-${randomUUID().slice(0, 6)}`
// A fresh cache, so kubectl cannot answer explain/get from another run's discovery.
const kubectlCache = mkdtempSync(join(tmpdir(), 'exactly-kubectl-cache-'))
let tools: KubeTools

async function kubectl(...args: string[]): Promise<string> {
  return tools.kubectl(args)
}

const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace }

async function create(job: StreamJobObject, dryRun?: 'All'): Promise<StreamJobObject> {
  const options = { ...target, body: job, fieldValidation: 'Strict', ...(dryRun ? { dryRun } : {}) }
  return (await customObjects.createNamespacedCustomObject(options)) as StreamJobObject
}

async function read(name: string): Promise<StreamJobObject> {
  return (await customObjects.getNamespacedCustomObject({ ...target, name })) as StreamJobObject
}

async function replace(job: StreamJobObject): Promise<StreamJobObject> {
  const options = { ...target, name: job.metadata.name, body: job, fieldValidation: 'Strict' }
  return (await customObjects.replaceNamespacedCustomObject(options)) as StreamJobObject
}

/** The API server's answer to a request that must fail: its HTTP code and Status message. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body
    return { code: error.code, message: String(body?.message ?? error.body) }
  }
  throw new Error('The API server accepted a request it should have refused')
}

beforeAll(async () => {
  tools = await kubeTools({ kubeconfig: stack.kube!.kubeconfig, stateDir: kubectlCache })
  await applyStreamJobCrd(tools)
  await eventually('the StreamJob CRD is Established', async () => {
    const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME })
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined
  })
  await core.createNamespace({ body: { metadata: { name: namespace } } })
  await eventually('StreamJobs are served', async () => create(minimalStreamJob('probe'), 'All').then(() => true))
})

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {})
  rmSync(kubectlCache, { recursive: true, force: true })
})

describe('StreamJob CRD validation', () => {
  it.for(INVALID_CASES.map((c, i) => ({ ...c, index: i })))('refuses $what', async ({ edit, message, index }) => {
    const job = minimalStreamJob(`invalid-${index}`)
    edit(job)
    const answer = await refusal(create(job))
    expect(answer.code, answer.message).toBeOneOf([400, 422])
    expect(answer.message).toContain(message)
  })

  it('accepts every example manifest and the one make dev writes, as the API server validates them (schema and CEL)', async () => {
    const examples = readdirSync(join(REPO_ROOT, 'examples'))
      .map((dir) => join(REPO_ROOT, 'examples', dir, 'streamjob.yaml'))
      .filter((path) => existsSync(path))
    expect(examples.length).toBeGreaterThanOrEqual(4)
    const dev = devStreamJob({
      name: 'my-job',
      namespace,
      image: 'localhost/my-job:dev-0123456789abcdef',
      module: '/job/src/job.ts',
      config: { window: '1m' },
      input: 'my-job-in',
      output: 'my-job-out',
      parallelism: 2,
      bootstrap: '10.244.77.1:9092',
      s3: { endpoint: 'http://10.244.77.1:8333', bucket: 'exactly', region: 'us-east-1' },
      secretName: 'dev-s3-credentials',
    })
    for (const text of [...examples.map((path) => readFileSync(path, 'utf8')), dev]) {
      // The namespace is this test's (create() names it); the dev manifest's own is dropped for it.
      const job = parse(text) as StreamJobObject & { metadata: { namespace?: string } }
      delete job.metadata.namespace
      await create(job, 'All')
    }
  })

  it('accepts a minimal job and applies the defaults', async () => {
    await create(minimalStreamJob('minimal'))
    const { spec } = await read('minimal')
    expect(spec).toMatchObject({
      parallelism: 1,
      job: { onError: 'fail' },
      kafka: { source: { topics: ['words'], startFrom: 'earliest' }, transactionTimeout: '15m' },
      checkpoint: {
        interval: '10s',
        timeout: '2m',
        retained: 3,
        storage: { region: 'us-east-1', onJobDelete: 'delete' },
      },
      restartPolicy: { maxRestarts: 10, resetAfter: '10m', backoff: { initial: '10s', max: '5m' } },
      state: 'running',
      upgradeMode: 'last-state',
      savepointHistory: { maxCount: 10 },
    })
  })

  it('accepts a job that sets every field', async () => {
    const job = minimalStreamJob('complete')
    Object.assign(job.spec, {
      job: { module: '/app/jobs/dedup.ts', config: { window: { seconds: 60 }, keys: ['a'] }, onError: 'dead-letter' },
      parallelism: 1024,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: 2147483648 } },
      podTemplate: {
        labels: { team: 'payments' },
        annotations: { 'example.com/owner': 'payments' },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'streams', effect: 'NoSchedule' }],
        serviceAccountName: 'payments-jobs',
        env: [
          { name: 'LOG_LEVEL', value: 'debug' },
          { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } },
        ],
      },
      kafka: {
        bootstrapServers: ['kafka-0.kafka:9092', '10.0.0.7:9093'],
        source: { topics: ['payments', 'refunds'], startFrom: 'latest' },
        sink: { topic: 'balances', deadLetterTopic: 'payments-dlq', lineageTopic: 'balances-lineage' },
        transactionTimeout: '1h',
        tls: { trustedCertificates: [{ secretName: 'my-cluster-cluster-ca-cert', certificate: 'ca.crt' }] },
        authentication: {
          type: 'scram-sha-512',
          username: 'payments',
          passwordSecret: { secretName: 'payments', password: 'password' },
        },
        transactionalIdPrefix: 'payments.',
      },
      checkpoint: {
        interval: '1m30s',
        timeout: '500ms',
        retained: 5,
        storage: {
          uri: 's3://my.checkpoints-1',
          endpoint: 'https://s3.internal:8443',
          region: 'eu-west-1',
          forcePathStyle: true,
          credentialsSecretRef: { name: 's3-credentials' },
          onJobDelete: 'retain',
        },
      },
      restartPolicy: { maxRestarts: 0, resetAfter: '30m', backoff: { initial: '1.5s', max: '1.5s' } },
      upgradeMode: 'stateless',
      state: 'suspended',
      savepointTrigger: '2026-03-01',
      savepointHistory: { maxCount: 3 },
      restoreFrom: 'before-migration_v2',
    })
    await create(job)
    expect((await read('complete')).spec).toEqual(job.spec)
    // restoreFrom also takes any savepoint's URI (status.savepoints[].uri of another job).
    const moved = minimalStreamJob('moved')
    moved.spec.restoreFrom = 's3://my.checkpoints-1/prod/team-a/counts/6f1c-2a/savepoints/sp-g3-nightly/'
    await create(moved)
    expect((await read('moved')).spec.restoreFrom).toBe(moved.spec.restoreFrom)
  })

  it('refuses changes to immutable fields and allows the others', async () => {
    const created = await create(minimalStreamJob('immutable'))
    const topics = structuredClone(created)
    ;(topics.spec.kafka as { source: { topics: string[] } }).source.topics = ['words', 'more-words']
    expect((await refusal(replace(topics))).message).toContain(
      'spec.kafka.source.topics is immutable: checkpointed offsets and state belong to these topics; create a new StreamJob to read other topics',
    )
    const storage = structuredClone(created)
    ;(storage.spec.checkpoint as { storage: { uri: string } }).storage.uri = 's3://elsewhere/exactly'
    expect((await refusal(replace(storage))).message).toContain('spec.checkpoint.storage.uri is immutable')

    const upgrade = structuredClone(created)
    Object.assign(upgrade.spec, { image: 'exactly:v2', parallelism: 4 })
    ;(upgrade.spec.kafka as { sink: { topic: string } }).sink.topic = 'counts-v2'
    const updated = await replace(upgrade)
    expect(updated.spec).toMatchObject({ image: 'exactly:v2', parallelism: 4, kafka: { sink: { topic: 'counts-v2' } } })
  })

  it('keeps the source topics a set: reordering them is no change', async () => {
    const job = minimalStreamJob('reorder')
    ;(job.spec.kafka as { source: { topics: string[] } }).source.topics = ['a', 'b']
    const created = await create(job)
    ;(created.spec.kafka as { source: { topics: string[] } }).source.topics = ['b', 'a']
    // Accepted (the immutability rule compares sets), where a different set is refused.
    const reordered = await replace(created)
    expect((reordered.spec.kafka as { source: { topics: string[] } }).source.topics).toEqual(['b', 'a'])
    const other = structuredClone(reordered)
    ;(other.spec.kafka as { source: { topics: string[] } }).source.topics = ['a', 'c']
    expect((await refusal(replace(other))).message).toContain('spec.kafka.source.topics is immutable')
  })
})

describe('StreamJob status and kubectl', () => {
  it('keeps every status field the operator writes and prints the columns', async () => {
    await create(minimalStreamJob('printed'))
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
    const status = {
      observedGeneration: 1,
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'WorkersReady',
          message: '1/1',
          lastTransitionTime: now,
          observedGeneration: 1,
        },
      ],
      workers: [
        {
          slot: 0,
          pod: 'printed-g1-s0-a1',
          phase: 'Running',
          ready: true,
          generation: 1,
          attempt: 1,
          lastCheckpoint: { id: 7, completedAt: now, durationMs: 120, sizeBytes: 4096, stateBytes: 65536 },
          lag: 3,
        },
      ],
      lastCheckpoint: { slot: 0, id: 7, completedAt: now, durationMs: 120, sizeBytes: 4096, stateBytes: 65536 },
      restarts: 2,
      lastFailure: {
        time: now,
        slot: 0,
        pod: 'printed-g1-s0-a0',
        attempt: 1,
        reason: 'WorkerExited',
        message: 'exit 1',
      },
      savepoints: [{ name: 'sp-1', trigger: 'nightly', completedAt: now, uri: 's3://checkpoints/exactly/sp-1/' }],
    }
    const current = await read('printed')
    await customObjects.replaceNamespacedCustomObjectStatus({
      ...target,
      name: 'printed',
      body: { ...current, status },
      fieldValidation: 'Strict',
    })
    expect((await read('printed')).status).toEqual(status)

    const table = await kubectl('get', 'sj', 'printed', '-n', namespace)
    expect(table).toMatch(/^NAME\s+PHASE\s+READY\s+PARALLELISM\s+LAST CHECKPOINT\s+RESTARTS\s+AGE\n/)
    expect(table).toMatch(/\nprinted\s+Running\s+True\s+1\s+\S+\s+2\s+\S+\n/)
    expect(await kubectl('get', 'exactly', '-n', namespace, '-o', 'name')).toContain('streamjob.exactly.dev/printed')
  })

  it('kubectl scale sets spec.parallelism through the scale subresource', async () => {
    await create(minimalStreamJob('scaled'))
    await kubectl('scale', 'sj/scaled', '-n', namespace, '--replicas=3')
    expect((await read('scaled')).spec.parallelism).toBe(3)
  })

  it('kubectl explain prints the descriptions', async () => {
    // kubectl wraps descriptions at 80 columns.
    const explain = async (field: string) => (await kubectl('explain', field)).replace(/\s+/g, ' ')
    const kafka = await eventually('kubectl explain knows StreamJob', () =>
      explain('streamjob.spec.kafka').catch(() => undefined),
    )
    expect(kafka).toContain('DESCRIPTION: The Kafka cluster, the topics read and written')
    expect(kafka).toContain('bootstrapServers <[]string> -required- Brokers to bootstrap from, as host:port.')
    expect(kafka).toContain(
      "transactionTimeout <string> Kafka transaction timeout of the workers' producers. It must exceed checkpoint.interval + checkpoint.timeout",
    )
    expect(kafka).toContain('Defaults to 15m.')
    expect(await explain('sj.spec.kafka.sink.deadLetterTopic')).toContain(
      'Where failed records go when job.onError is dead-letter.',
    )
    expect(await explain('sj.status.conditions.lastTransitionTime')).toContain('When status last changed')
  })
})
