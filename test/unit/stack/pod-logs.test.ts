import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { podDir, podLogLines, tailPodLogs } from '../../../stack/node-agent/pod-logs.ts'

describe('pod logs', () => {
  const pods = mkdtempSync(join(tmpdir(), 'exactly-pod-logs-'))
  const write = (namespace: string, pod: string, uid: string, container: string, text: string) => {
    mkdirSync(podDir(pods, namespace, pod, uid), { recursive: true })
    writeFileSync(join(podDir(pods, namespace, pod, uid), `${container}.log`), text)
  }
  write('ns', 'job-1', 'u1', 'worker', 'a\nb\nc\n')
  write('ns', 'job-10', 'u2', 'worker', 'other\n')
  write('sys', 'op', 'u3', 'operator', 'led\n')
  afterAll(() => rmSync(pods, { recursive: true, force: true }))

  it('reads one container log, or nothing when the pod has not logged', () => {
    expect(podLogLines(pods, 'ns', 'job-1', 'u1', 'worker')).toEqual(['a', 'b', 'c', ''])
    expect(podLogLines(pods, 'ns', 'job-1', 'u1', 'sidecar')).toEqual([])
  })

  it('tails the logs of one pod by name, not of pods whose name only starts alike', () => {
    expect(tailPodLogs(pods, 'ns', { pod: 'job-1', lines: 2 })).toBe('--- ns_job-1_u1\nb\nc')
  })

  it('tails one container of every pod of a namespace', () => {
    expect(tailPodLogs(pods, 'sys', { container: 'operator' })).toBe('--- sys_op_u3\nled')
    expect(tailPodLogs(join(pods, 'none'), 'sys')).toBe('(no pod logs)')
  })
})
