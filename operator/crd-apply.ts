/**
 * `exactly crd apply --file F --chart-version V [--allow-downgrade]`: puts the chart's StreamJob
 * CRD in place of the cluster's, as the chart's pre-upgrade hook (charts/exactly/templates/
 * crd-upgrade.yaml) runs it: Helm installs a chart's crds/ once and never upgrades them. The
 * decision is model/crd-upgrade.ts; this reads, replaces (guarded by resourceVersion) and waits
 * until the API server serves the new schema. Exit 0: in place; 1: refused or failed.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import { ApiextensionsV1Api, KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node'
import { pino } from 'pino'
import { parse as parseYaml } from 'yaml'
import { httpStatus } from './kube/kube-api.ts'
import { CHART_VERSION_ANNOTATION, type CrdView, planCrdUpgrade } from './model/crd-upgrade.ts'

export async function runCrdApply(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = pino({ base: { component: 'crd-apply' } }, pino.destination({ dest: 1, sync: true }))
  try {
    const { values } = parseArgs({
      args,
      options: {
        file: { type: 'string' },
        'chart-version': { type: 'string' },
        'allow-downgrade': { type: 'boolean', default: false },
      },
    })
    if (!values.file || !values['chart-version']) {
      throw new Error('usage: exactly crd apply --file CRD.yaml --chart-version VERSION [--allow-downgrade]')
    }
    const desired = parseYaml(readFileSync(values.file, 'utf8')) as V1CustomResourceDefinition
    const name = desired.metadata?.name ?? ''
    desired.metadata = {
      ...desired.metadata,
      annotations: { ...desired.metadata?.annotations, [CHART_VERSION_ANNOTATION]: values['chart-version'] },
    }
    const kc = new KubeConfig()
    if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG)
    else kc.loadFromDefault()
    const api = kc.makeApiClient(ApiextensionsV1Api)
    const existing = await api.readCustomResourceDefinition({ name }).catch((error: unknown) => {
      if (httpStatus(error) === 404) return undefined
      throw error
    })
    const same =
      existing !== undefined &&
      isDeepStrictEqual(existing.spec, desired.spec) &&
      existing.metadata?.annotations?.[CHART_VERSION_ANNOTATION] === values['chart-version']
    const plan = planCrdUpgrade(existing as CrdView | undefined, desired as CrdView, same, values['allow-downgrade'])
    switch (plan.action) {
      case 'refuse':
        log.error({ crd: name }, plan.reason)
        return 1
      case 'unchanged':
        log.info({ crd: name }, `${name} is already the chart's (${values['chart-version']})`)
        return 0
      case 'create':
        // The chart's crds/ installs it; a missing one was deleted or skipped (--skip-crds).
        throw new Error(
          `${name} is not installed: apply charts/exactly/crds/${name}.yaml (helm install --skip-crds skips it)`,
        )
      case 'update': {
        const body = {
          ...desired,
          metadata: {
            ...existing!.metadata,
            annotations: { ...existing!.metadata?.annotations, ...desired.metadata.annotations },
            labels: { ...existing!.metadata?.labels, ...desired.metadata.labels },
          },
        }
        await api.replaceCustomResourceDefinition({ name, body })
        log.info(
          { crd: name, from: existing!.metadata?.annotations?.[CHART_VERSION_ANNOTATION] ?? 'unknown' },
          `${name} replaced by chart ${values['chart-version']}'s`,
        )
        await waitEstablished(api, name)
        return 0
      }
    }
  } catch (error) {
    log.error({ err: error }, `Cannot apply the CRD: ${(error as Error).message}`)
    return 1
  }
}

/** The API server serves a new schema once Established and NamesAccepted are True again. */
async function waitEstablished(api: ApiextensionsV1Api, name: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const crd = await api.readCustomResourceDefinition({ name })
    const ok = (type: string) => crd.status?.conditions?.some((c) => c.type === type && c.status === 'True')
    if (ok('Established') && ok('NamesAccepted')) return
    await sleep(1000)
  }
  throw new Error(`${name} was replaced but is not Established after 60 s; see kubectl describe crd ${name}`)
}
