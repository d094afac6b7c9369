/**
 * The operator's guarded StreamJob writes (operator/kube/kube-api.ts) on the real kube-apiserver:
 * a new job's finalizer and first status go out together and both land, and a status decided on
 * a copy that has gone stale in anything the decision read (status, spec, pause annotation) is
 * refused, as is a finalizer added to a stale list. The guards lean on the API server's JSON-patch
 * `test` semantics (a missing member equals null), which only the real server can confirm.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CRD_FILE } from '../../../operator/api/crd-yaml.ts'
import type { StreamJob, StreamJobStatus } from '../../../operator/api/streamjob-types.ts'
import { GROUP, KubeApi, PLURAL, VERSION } from '../../../operator/kube/kube-api.ts'
import { FINALIZER, PAUSE_ANNOTATION } from '../../../operator/model/names.ts'
import { kubeTools } from '../../../stack/kubectl.ts'
import { waitFor as eventually } from '../../../stack/wait.ts'
import { kubeFor } from '../helpers/kube.ts'
import { minimalStreamJob } from './streamjob-fixtures.ts'

const stack = inject('stack')
const { kc, core } = kubeFor(stack)
const api = new KubeApi(kc)
const custom = kc.makeApiClient(CustomObjectsApi)
const namespace = `sj-guard-${randomUUID().slice(0, 6)}`
const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace }
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
const status = (phase: 'Suspended' | 'Pending'): StreamJobStatus => ({ phase, observedGeneration: 1 })

async function create(name: string): Promise<StreamJob> {
  return (await custom.createNamespacedCustomObject({ ...target, body: minimalStreamJob(name) })) as StreamJob
}

const read = async (name: string) => (await custom.getNamespacedCustomObject({ ...target, name })) as StreamJob

async function refusedWith(request: Promise<unknown>): Promise<number> {
  try {
    await request
  } catch (error) {
    if (error instanceof ApiException) return error.code
    throw error
  }
  throw new Error('The API server accepted a write it should have refused')
}

beforeAll(async () => {
  const kube = await kubeTools({ kubeconfig: stack.kube!.kubeconfig })
  const root = join(import.meta.dirname, '..', '..', '..')
  await kube.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=exactly-tests',
    '-f',
    join(root, CRD_FILE),
  ])
  await core.createNamespace({ body: { metadata: { name: namespace } } })
  await eventually('StreamJobs are served', async () => create('probe').then(() => true))
})

afterAll(async () => {
  // The finalizer would hold the namespace in Terminating: no operator runs here to release it.
  for (const name of ['together', 'stale-finalizers']) {
    await custom
      .patchNamespacedCustomObject({ ...target, name, body: { metadata: { finalizers: null } } }, merge)
      .catch(() => {})
  }
  await core.deleteNamespace({ name: namespace }).catch(() => {})
})

describe('guarded StreamJob writes', () => {
  it('adds the finalizer and writes the first status at once; both land', async () => {
    const job = await create('together')
    const [withFinalizer, withStatus] = await Promise.all([
      api.addFinalizer(job, FINALIZER),
      api.patchStatus(job, status('Suspended'), 'decisionInputs'),
    ])
    const stored = await read('together')
    expect(stored.metadata.finalizers).toEqual([FINALIZER])
    expect(stored.status).toEqual(status('Suspended'))
    // One of the answers is the object after both writes.
    expect([withFinalizer.metadata.resourceVersion, withStatus.metadata.resourceVersion]).toContain(
      stored.metadata.resourceVersion,
    )
  })

  it('refuses a status decided on a copy whose status, spec or pause annotation has changed since', async () => {
    const job = await create('stale-status')
    const written = await api.patchStatus(job, status('Pending'), 'decisionInputs')
    // `job` still shows no status: a second decision on it must not overwrite the first.
    expect(await refusedWith(api.patchStatus(job, status('Suspended'), 'decisionInputs'))).toBe(422)

    await custom.patchNamespacedCustomObject(
      { ...target, name: 'stale-status', body: { spec: { parallelism: 3 } } },
      merge,
    )
    expect(await refusedWith(api.patchStatus(written, status('Suspended'), 'decisionInputs'))).toBe(422)

    const respecced = await read('stale-status')
    const annotations = { metadata: { annotations: { [PAUSE_ANNOTATION]: 'true' } } }
    await custom.patchNamespacedCustomObject({ ...target, name: 'stale-status', body: annotations }, merge)
    expect(await refusedWith(api.patchStatus(respecced, status('Suspended'), 'decisionInputs'))).toBe(422)

    // A change no decision reads (a label) moves resourceVersion but does not refuse the write.
    const paused = await read('stale-status')
    const labels = { metadata: { labels: { team: 'a' } } }
    await custom.patchNamespacedCustomObject({ ...target, name: 'stale-status', body: labels }, merge)
    await api.patchStatus(paused, status('Suspended'), 'decisionInputs')
    expect((await read('stale-status')).status).toEqual(status('Suspended'))
    // The resourceVersion guard refuses that same change.
    expect(await refusedWith(api.patchStatus(paused, status('Pending')))).toBeOneOf([409, 422])
  })

  it('refuses a finalizer added to a finalizer list that has changed since', async () => {
    const job = await create('stale-finalizers')
    const other = { metadata: { finalizers: ['example.com/other'] } }
    await custom.patchNamespacedCustomObject({ ...target, name: 'stale-finalizers', body: other }, merge)
    expect(await refusedWith(api.addFinalizer(job, FINALIZER))).toBe(422)
    expect((await read('stale-finalizers')).metadata.finalizers).toEqual(['example.com/other'])
  })
})
