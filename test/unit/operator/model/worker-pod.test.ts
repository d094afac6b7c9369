import { describe, expect, it } from 'vitest'
import { parseRecoverConfig } from '../../../../contract/recover-config.ts'
import { parseWorkerConfig } from '../../../../contract/worker-config.ts'
import { jobDurations } from '../../../../operator/model/job-durations.ts'
import { desiredRecoverPod, desiredWorkerPod, podConfig } from '../../../../operator/model/worker-pod.ts'
import { recoverLayout, streamJob } from '../fixtures.ts'

const settings = { revision: 'abc', terminationGracePeriodSeconds: 150, durations: jobDurations(streamJob().spec) }
const env = (pod: ReturnType<typeof desiredWorkerPod>, name: string) =>
  pod.spec?.containers[0]?.env?.find((e) => e.name === name)

describe('desiredWorkerPod()', () => {
  const job = streamJob({
    job: { module: '/app/job.ts', onError: 'dead-letter', config: { k: 1 } },
    kafka: { ...streamJob().spec.kafka, sink: { topic: 'counts', deadLetterTopic: 'counts-dlq' } },
    checkpoint: {
      ...streamJob().spec.checkpoint,
      storage: { ...streamJob().spec.checkpoint.storage, credentialsSecretRef: { name: 's3' } },
    },
  })
  const pod = desiredWorkerPod(job, { generation: 2, slot: 1, attempt: 3 }, settings)

  it('builds a pod the operator alone restarts, owned by the StreamJob and labelled to be found again', () => {
    expect(pod.metadata?.name).toBe('counts-g2-s1-a3')
    expect(pod.spec?.restartPolicy).toBe('Never')
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'StreamJob',
      name: 'counts',
      uid: 'uid-1',
      controller: true,
    })
    expect(pod.metadata?.labels).toMatchObject({
      'exactly.dev/job': 'counts',
      'exactly.dev/slot': '1',
      'exactly.dev/generation': '2',
      'exactly.dev/attempt': '3',
      'app.kubernetes.io/component': 'worker',
    })
    expect(pod.metadata?.annotations?.['exactly.dev/revision']).toBe('abc')
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(150)
    // node must not be PID 1, which drops a SIGTERM that comes before its handler.
    expect(pod.spec?.shareProcessNamespace).toBe(true)
  })

  it('runs under the restricted Pod Security Standard with no service account token', () => {
    expect(pod.spec?.automountServiceAccountToken).toBe(false)
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.spec?.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
    })
    expect(pod.spec?.containers[0]?.readinessProbe?.httpGet?.path).toBe('/readyz')
  })

  it('hands the worker a configuration its own parser accepts, as a file from an annotation, and credentials from the secret', () => {
    expect(pod.spec?.containers[0]?.command).toEqual([
      'node',
      '/app/runtime/cli/exactly.ts',
      'worker',
      '--config',
      '/etc/exactly/config.json',
    ])
    expect(pod.spec?.containers[0]?.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/exactly', readOnly: true },
    ])
    expect(pod.spec?.volumes).toEqual([
      {
        name: 'config',
        downwardAPI: {
          items: [{ path: 'config.json', fieldRef: { fieldPath: "metadata.annotations['exactly.dev/config']" } }],
        },
      },
    ])
    expect(env(pod, 'EXACTLY_WORKER_CONFIG')).toBeUndefined()
    const config = parseWorkerConfig(podConfig(pod) ?? '')
    expect(config).toMatchObject({
      slot: 1,
      parallelism: 2,
      generation: 2,
      attempt: 3,
      job: {
        uid: 'uid-1',
        module: '/app/job.ts',
        config: { k: 1 },
        onError: { kind: 'dead-letter', topic: 'counts-dlq' },
      },
      kafka: { transactionTimeoutMs: 900_000, sinkTopic: 'counts' },
      checkpoint: { intervalMs: 10_000, timeoutMs: 120_000, storage: { bucket: 'bucket', prefix: 'jobs' } },
    })
    expect(env(pod, 'EXACTLY_HTTP_HOST')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP')
    expect(env(pod, 'AWS_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef).toEqual({
      name: 's3',
      key: 'AWS_SECRET_ACCESS_KEY',
    })
  })

  it('builds a recover pod whose configuration `exactly recover` accepts', () => {
    const recover = desiredRecoverPod(
      job,
      { generation: 2, parallelism: 2, nextGeneration: 3, reason: 'upgrade', restore: { kind: 'heads' } },
      settings,
    )
    expect(recover.metadata?.name).toBe('counts-g2-recover-g3')
    expect(recover.spec?.containers[0]?.command).toEqual([
      'node',
      '/app/runtime/cli/exactly.ts',
      'recover',
      '--config',
      '/etc/exactly/config.json',
    ])
    const config = parseRecoverConfig(podConfig(recover) ?? '')
    expect(config).toMatchObject({ generation: 2, parallelism: 2, nextGeneration: 3 })
  })
})

describe('DEFAULT_RESOURCES', () => {
  it('gives worker and recover pods requests and a memory limit when the spec sets no resources', () => {
    const job = streamJob()
    const worker = desiredWorkerPod(job, { generation: 1, slot: 0, attempt: 1 }, settings)
    expect(worker.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { memory: '2Gi' },
    })
    const layout = recoverLayout('rescale')
    expect(desiredRecoverPod(job, layout, settings).spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    })
  })

  it('yields to spec.resources', () => {
    const resources = { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '8Gi' } }
    const pod = desiredWorkerPod(streamJob({ resources }), { generation: 1, slot: 0, attempt: 1 }, settings)
    expect(pod.spec?.containers[0]?.resources).toEqual(resources)
  })
})
