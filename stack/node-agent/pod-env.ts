/**
 * Resolves a container's environment the way the kubelet does: literal values with `$(VAR)`
 * expansion, fieldRef, resourceFieldRef, secretKeyRef, configMapKeyRef and envFrom. Secrets
 * and config maps are read through `lookup`, so this module does no I/O of its own.
 */
import { dirname } from 'node:path'
import type { V1Container, V1EnvVarSource, V1Pod } from '@kubernetes/client-node'
import { expandVariables } from './pod-command.ts'

/** What the image and the kubelet would set before the container's own env: PATH, HOME, HOSTNAME, the API server. */
export function baseEnv(pod: V1Pod, home: string, nodeBinary: string, apiServer: string): Record<string, string> {
  const api = new URL(apiServer)
  return {
    // The image's `node` is this project's Node.
    PATH: `${dirname(nodeBinary)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    HOSTNAME: pod.metadata!.name!,
    KUBERNETES_SERVICE_HOST: api.hostname,
    KUBERNETES_SERVICE_PORT: api.port,
  }
}

export interface EnvLookup {
  /** Data of a Secret (decoded) or ConfigMap, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>
}

/** A missing secret, config map or key the pod did not mark optional: the container cannot start. */
export class PodConfigError extends Error {
  override name = 'PodConfigError'
  readonly code = 'EXACTLY_POD_CONFIG'
}

export async function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  runtime: { podIP: string; hostIP: string; nodeName: string },
  lookup: EnvLookup,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default'
  const env: Record<string, string> = {}

  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? ''
    const ref = source.secretRef ?? source.configMapRef
    if (!ref?.name) continue
    const data = source.secretRef
      ? await lookup.secret(namespace, ref.name)
      : await lookup.configMap(namespace, ref.name)
    if (!data) {
      if (ref.optional) continue
      throw new PodConfigError(`${source.secretRef ? 'secret' : 'configmap'} "${ref.name}" not found`)
    }
    for (const [key, value] of Object.entries(data)) env[prefix + key] = value
  }

  for (const entry of container.env ?? []) {
    if (entry.valueFrom) {
      const value = await valueFrom(entry.valueFrom, pod, container, runtime, namespace, lookup)
      if (value !== undefined) env[entry.name] = value
    } else {
      env[entry.name] = expandVariables(entry.value ?? '', env)
    }
  }
  return env
}

async function valueFrom(
  source: V1EnvVarSource,
  pod: V1Pod,
  container: V1Container,
  runtime: { podIP: string; hostIP: string; nodeName: string },
  namespace: string,
  lookup: EnvLookup,
): Promise<string | undefined> {
  if (source.fieldRef) return fieldValue(source.fieldRef.fieldPath, pod, runtime)
  if (source.resourceFieldRef) return resourceValue(source.resourceFieldRef.resource, container)
  const ref = source.secretKeyRef ?? source.configMapKeyRef
  if (ref) {
    const kind = source.secretKeyRef ? 'secret' : 'configmap'
    const data = source.secretKeyRef
      ? await lookup.secret(namespace, ref.name!)
      : await lookup.configMap(namespace, ref.name!)
    const value = data?.[ref.key]
    if (value === undefined && !ref.optional) {
      throw new PodConfigError(
        data ? `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}` : `${kind} "${ref.name}" not found`,
      )
    }
    return value
  }
  return undefined
}

export function fieldValue(
  path: string,
  pod: V1Pod,
  runtime: { podIP: string; hostIP: string; nodeName: string },
): string {
  const meta = pod.metadata ?? {}
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path)
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? meta.labels : meta.annotations
    return map?.[labelOrAnnotation[2]!] ?? ''
  }
  switch (path) {
    case 'metadata.name':
      return meta.name ?? ''
    case 'metadata.namespace':
      return meta.namespace ?? 'default'
    case 'metadata.uid':
      return meta.uid ?? ''
    case 'spec.nodeName':
      return runtime.nodeName
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default'
    case 'status.podIP':
    case 'status.podIPs':
      return runtime.podIP
    case 'status.hostIP':
    case 'status.hostIPs':
      return runtime.hostIP
    default:
      throw new PodConfigError(`unsupported fieldRef.fieldPath "${path}"`)
  }
}

/** Limits fall back to the node's capacity, as the kubelet does; cpu is rounded up to whole cores. */
function resourceValue(resource: string, container: V1Container): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string]
  const quantity = container.resources?.[kind]?.[name]
  if (name === 'cpu') return String(Math.max(1, Math.ceil(parseCpu(quantity ?? '2'))))
  return String(parseBytes(quantity ?? String(24 * 1024 ** 3)))
}

function parseCpu(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q)
}

const UNITS: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
}

function parseBytes(q: string): number {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(q)
  if (!match) return 0
  return Math.round(Number(match[1]) * (UNITS[match[2]!] ?? 1))
}
