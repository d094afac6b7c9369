import type { V1Container, V1Pod } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { LoopbackIpPool } from '../../../stack/node-agent/ip-pool.ts'
import { expandVariables, localCommand, mapPath } from '../../../stack/node-agent/pod-command.ts'
import { fieldValue, PodConfigError, resolveEnv } from '../../../stack/node-agent/pod-env.ts'
import { podStatus, terminatedState, waitingState } from '../../../stack/node-agent/pod-status.ts'

const runtime = { podIP: '127.0.0.7', hostIP: '127.0.0.1', nodeName: 'n1' }
const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'demo' } },
  spec: { serviceAccountName: 'sa', containers: [{ name: 'main' }] },
}

describe('LoopbackIpPool', () => {
  it('allocate() gives each pod its own address and keeps it stable', () => {
    const pool = new LoopbackIpPool()
    const a = pool.allocate('a')
    const b = pool.allocate('b')
    expect(a).toBe('127.0.0.2')
    expect(b).toBe('127.0.0.3')
    expect(pool.allocate('a')).toBe(a)
  })

  it('allocate() does not hand a released address out again at once', () => {
    const pool = new LoopbackIpPool(3)
    const a = pool.allocate('a')
    pool.release('a')
    expect(pool.allocate('b')).not.toBe(a)
  })

  it('allocate() throws when every address is taken', () => {
    const pool = new LoopbackIpPool(2)
    pool.allocate('a')
    pool.allocate('b')
    expect(() => pool.allocate('c')).toThrow(RangeError)
  })

  it('allocate() skips .0, .1 and .255 of each /24', () => {
    const pool = new LoopbackIpPool()
    const ips = Array.from({ length: 254 }, (_, i) => pool.allocate(String(i)))
    expect(ips.at(252)).toBe('127.0.0.254')
    expect(ips.at(253)).toBe('127.0.1.2')
  })
})

describe('localCommand()', () => {
  const mapping = { paths: { '/app': '/repo' }, programs: { node: '/opt/node/bin/node' } }

  it('maps image paths and the node program to this machine', () => {
    const container: V1Container = {
      name: 'c',
      command: ['node', '/app/runtime/cli/exactly.ts'],
      args: ['worker', '--config=/app/x.json', '$(SLOT)'],
      workingDir: '/app',
    }
    expect(localCommand(container, mapping, { SLOT: '3' })).toEqual({
      command: '/opt/node/bin/node',
      args: ['/repo/runtime/cli/exactly.ts', 'worker', '--config=/repo/x.json', '3'],
      cwd: '/repo',
    })
  })

  it('refuses a container without a command, naming the field to set', () => {
    expect(() => localCommand({ name: 'c', image: 'x' }, mapping, {})).toThrow(/spec\.containers\[\]\.command/)
  })

  it('mapPath() leaves paths that merely share a prefix alone', () => {
    expect(mapPath('/application', { '/app': '/repo' })).toBe('/application')
  })

  it('expandVariables() follows Kubernetes rules for unknown variables and $$ escapes', () => {
    expect(expandVariables('$(A)-$(B)-$$(A)', { A: '1' })).toBe('1-$(B)-$(A)')
  })
})

describe('resolveEnv()', () => {
  const lookup = {
    secret: async (_ns: string, name: string) => (name === 's' ? { password: 'hunter2' } : undefined),
    configMap: async (_ns: string, name: string) => (name === 'cm' ? { mode: 'fast', level: '3' } : undefined),
  }

  it('resolves values, field refs, secret and config map keys, and envFrom with a prefix', async () => {
    const container: V1Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cm', key: 'mode' } } },
        { name: 'URL', value: 'http://$(IP):8080/$(NAME)' },
        { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      ],
      resources: { limits: { cpu: '1500m' } },
    }
    expect(await resolveEnv(pod, container, runtime, lookup)).toEqual({
      CM_mode: 'fast',
      CM_level: '3',
      NAME: 'p',
      IP: '127.0.0.7',
      PASSWORD: 'hunter2',
      MODE: 'fast',
      URL: 'http://127.0.0.7:8080/p',
      CPUS: '2',
    })
  })

  it('fails with a CreateContainerConfigError-style message for a missing secret', async () => {
    const container: V1Container = {
      name: 'c',
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }],
    }
    await expect(resolveEnv(pod, container, runtime, lookup)).rejects.toThrow(PodConfigError)
    await expect(resolveEnv(pod, container, runtime, lookup)).rejects.toThrow('secret "nope" not found')
  })

  it('skips an optional missing key', async () => {
    const container: V1Container = {
      name: 'c',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } }],
    }
    expect(await resolveEnv(pod, container, runtime, lookup)).toEqual({})
  })

  it('fieldValue() reads labels and rejects unknown paths', () => {
    expect(fieldValue("metadata.labels['app']", pod, runtime)).toBe('demo')
    expect(fieldValue('spec.serviceAccountName', pod, runtime)).toBe('sa')
    expect(() => fieldValue('spec.nope', pod, runtime)).toThrow(/unsupported fieldRef/)
  })
})

describe('podStatus()', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const run = {
    name: 'main',
    image: 'img',
    pid: 42,
    startedAt: now,
    ready: true,
    restartCount: 0,
    state: { running: { startedAt: now } },
    lastState: {},
  }

  it('reports a running, ready pod with its IP and container id', () => {
    const status = podStatus(pod, 'Running', '127.0.0.7', run, now)
    expect(status.podIP).toBe('127.0.0.7')
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True')
    expect(status.containerStatuses?.[0]).toMatchObject({ ready: true, started: true, containerID: 'local://42' })
  })

  it('keeps lastTransitionTime of a condition whose status did not change', () => {
    const earlier = new Date('2025-12-31T00:00:00Z')
    const seen: V1Pod = {
      ...pod,
      status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: earlier }] },
    }
    const status = podStatus(seen, 'Running', '127.0.0.7', run, now)
    expect(status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(earlier)
  })

  it('a failed pod is not ready and says why', () => {
    const state = terminatedState(1, null, now, now)
    const status = podStatus(pod, 'Failed', '127.0.0.7', { ...run, ready: false, state }, now)
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    })
  })

  it('terminatedState() turns a signal into exit code 128 + n', () => {
    expect(terminatedState(null, 'SIGKILL', now, now).terminated).toMatchObject({
      exitCode: 137,
      signal: 9,
      reason: 'Error',
    })
    expect(terminatedState(0, null, now, now).terminated?.reason).toBe('Completed')
    expect(waitingState('CrashLoopBackOff').waiting?.reason).toBe('CrashLoopBackOff')
  })
})
