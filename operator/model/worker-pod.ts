/**
 * The pods the operator creates: one worker per slot and attempt, and the short-lived recover pod
 * of a layout change. Pure: spec and ids in, a V1Pod out (Strimzi's `generateDeployment`).
 *
 * Both run the one image with `exactly <command> --config /etc/exactly/config.json`: the
 * configuration travels in a pod annotation, mounted as that file by a downwardAPI volume (an
 * environment variable would cap it at 128 KiB, the kernel's limit for one). `restartPolicy: Never`, because the operator
 * decides every restart (a new attempt number is what fences a zombie); the restricted Pod
 * Security Standard; no service account token (workers need no Kubernetes API); an owner
 * reference to the StreamJob, so deleting it garbage-collects whatever is left.
 */
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node'
import { WORKER_PORT } from '../../contract/defaults.ts'
import type { StreamJob } from '../api/streamjob-types.ts'
import type { JobDurations } from './job-durations.ts'
import { kafkaAccess } from './kafka-access.ts'
import { type PodRole, podLabels } from './labels.ts'
import { CONFIG_ANNOTATION, REVISION_ANNOTATION, recoverPodName, workerPodName } from './names.ts'
import { controllerReference } from './owner-reference.ts'
import { desiredRecoverConfig, desiredWorkerConfig, type RecoverLayout } from './worker-config.ts'

/** Where the image keeps the CLI; the Dockerfile puts the repository at /app. */
export const EXACTLY_CLI = '/app/runtime/cli/exactly.ts'
/** Where a pod finds its configuration (the CONFIG_ANNOTATION, mounted read-only). */
export const CONFIG_DIR = '/etc/exactly'
export const CONFIG_FILE = `${CONFIG_DIR}/config.json`

/**
 * Resources of a pod whose StreamJob sets no `spec.resources`: a worker holds its tasks' keyed
 * state in memory, a recover pod only reads manifests and writes a restore point. Requests so the
 * scheduler places them; a memory limit so one job cannot starve its node. docs/operator.md.
 */
export const DEFAULT_RESOURCES: Readonly<Record<'worker' | 'recover', NonNullable<V1Container['resources']>>> = {
  worker: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
  recover: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
}

export interface PodSettings {
  /** The StreamJob's revision the pod was built from (see revision.ts). */
  revision: string
  /** Seconds between SIGTERM and SIGKILL: a worker takes its final checkpoint in between. */
  terminationGracePeriodSeconds: number
  /** The spec's durations, parsed once per pass: they go into the pod's config. */
  durations: JobDurations
  /** The operator's public key: workers take only stop requests signed with its private key. */
  stopKey?: string | undefined
}

export function desiredWorkerPod(
  job: StreamJob,
  ids: { generation: number; slot: number; attempt: number },
  settings: PodSettings,
): V1Pod {
  const config = desiredWorkerConfig(job, ids, settings.durations, settings.stopKey)
  const container: V1Container = {
    ...baseContainer(job, 'worker', [
      { name: 'EXACTLY_HTTP_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]),
    ports: [{ name: 'http', containerPort: WORKER_PORT, protocol: 'TCP' }],
    // Every second: a replacement is Ready (and the job with it) within a second of restoring,
    // which is most of the time from a worker's SIGKILL to the job Ready again (docs/real-node.md).
    readinessProbe: {
      httpGet: { path: '/readyz', port: WORKER_PORT },
      periodSeconds: 1,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: WORKER_PORT },
      periodSeconds: 10,
      failureThreshold: 6,
    },
  }
  return pod(
    job,
    workerPodName(job.metadata.name, ids.generation, ids.slot, ids.attempt),
    'worker',
    ids,
    container,
    settings,
    JSON.stringify(config),
  )
}

export function desiredRecoverPod(job: StreamJob, layout: RecoverLayout, settings: PodSettings): V1Pod {
  const config = desiredRecoverConfig(job, layout, settings.durations)
  const container = baseContainer(job, 'recover', [])
  const name = recoverPodName(job.metadata.name, layout.generation, layout.nextGeneration)
  return pod(job, name, 'recover', { generation: layout.generation }, container, settings, JSON.stringify(config))
}

function baseContainer(job: StreamJob, command: 'worker' | 'recover', env: V1EnvVar[]): V1Container {
  const { spec } = job
  const secret = spec.checkpoint.storage.credentialsSecretRef?.name
  const credentials: V1EnvVar[] = secret
    ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({
        name: key,
        valueFrom: { secretKeyRef: { name: secret, key } },
      }))
    : []
  return {
    name: command,
    image: spec.image,
    command: ['node', EXACTLY_CLI, command, '--config', CONFIG_FILE],
    volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, ...kafkaAccess(spec.kafka).mounts],
    env: [...env, ...credentials, ...((spec.podTemplate?.env ?? []) as V1EnvVar[])],
    resources: (spec.resources as V1Container['resources'] | undefined) ?? DEFAULT_RESOURCES[command],
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  }
}

function pod(
  job: StreamJob,
  name: string,
  role: PodRole,
  ids: { generation: number; slot?: number; attempt?: number },
  container: V1Container,
  settings: PodSettings,
  /** The worker's or recover pod's configuration, as JSON. */
  config: string,
): V1Pod {
  const template = job.spec.podTemplate
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: job.metadata.namespace,
      labels: { ...(template?.labels ?? {}), ...podLabels(job.metadata.name, role, ids) },
      annotations: {
        ...(template?.annotations ?? {}),
        [REVISION_ANNOTATION]: settings.revision,
        [CONFIG_ANNOTATION]: config,
      },
      ownerReferences: [controllerReference(job)],
    },
    spec: {
      restartPolicy: 'Never',
      // The pod's pause process is PID 1, not `node`: the kernel drops a signal PID 1 has no
      // handler for, and a pod deleted while its container starts got SIGTERM before Node had one
      // and ran on until SIGKILL (seen holding a layout change for the whole grace period).
      shareProcessNamespace: true,
      automountServiceAccountToken: false,
      ...(template?.serviceAccountName ? { serviceAccountName: template.serviceAccountName } : {}),
      ...(template?.nodeSelector ? { nodeSelector: template.nodeSelector } : {}),
      ...(template?.tolerations
        ? { tolerations: template.tolerations as NonNullable<NonNullable<V1Pod['spec']>['tolerations']> }
        : {}),
      terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [container],
      volumes: [
        {
          name: 'config',
          downwardAPI: {
            items: [{ path: 'config.json', fieldRef: { fieldPath: `metadata.annotations['${CONFIG_ANNOTATION}']` } }],
          },
        },
        ...kafkaAccess(job.spec.kafka).volumes,
      ],
    },
  }
}

/**
 * Room for spec.job.config in a pod: Kubernetes allows 256 KiB of annotations in all (the user's
 * own included), and the rest of the configuration takes a few KiB.
 */
export const JOB_CONFIG_MAX_BYTES = 200 * 1024

/** Why the spec's job.config cannot reach its pods, or undefined when it can. */
export function jobConfigProblem(job: StreamJob): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(job.spec.job.config ?? {}))
  if (bytes <= JOB_CONFIG_MAX_BYTES) return undefined
  return (
    `spec.job.config is ${Math.ceil(bytes / 1024)} KiB as JSON, more than the ${JOB_CONFIG_MAX_BYTES / 1024} KiB ` +
    'a pod can carry (it reaches each worker in a pod annotation, mounted as a file). Keep large data ' +
    '(lookup tables, models) in a ConfigMap, a Secret or object storage, and put its name in spec.job.config'
  )
}

/** The configuration a pod this module built carries (its CONFIG_ANNOTATION), as JSON. */
export function podConfig(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[CONFIG_ANNOTATION]
}
