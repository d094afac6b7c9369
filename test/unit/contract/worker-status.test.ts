import { describe, expect, it } from 'vitest'
import {
  initialWorkerStatus,
  parseWorkerStatus,
  truncateText,
  WORKER_STATUS_LIMITS,
  type WorkerStatus,
} from '../../../contract/worker-status.ts'

const valid: WorkerStatus = {
  ...initialWorkerStatus({ namespace: 'team', name: 'counts', slot: 1, generation: 2, attempt: 3 }),
  phase: 'Running',
  ready: true,
  tasks: [1, 3],
  lastCheckpoint: { id: 7, completedAt: '2026-11-25T10:00:00.000Z', durationMs: 40, bytes: 100, stateBytes: 900 },
  lag: 0,
}

const parse = (value: unknown) => parseWorkerStatus(JSON.stringify(value))
const reasonOf = (value: unknown) => {
  const result = typeof value === 'string' ? parseWorkerStatus(value) : parse(value)
  return result.ok ? 'accepted' : result.reason
}
const accepted = (value: unknown): WorkerStatus => {
  const result = parse(value)
  if (!result.ok) throw new Error(`expected the status to parse: ${result.reason}`)
  return result.status
}

describe('parseWorkerStatus()', () => {
  it('accepts what a worker serves, unchanged', () => {
    expect(accepted(valid)).toEqual(valid)
    expect(accepted(initialWorkerStatus({ namespace: 'n', name: 'j', slot: 0, generation: 1, attempt: 1 }))).toEqual(
      initialWorkerStatus({ namespace: 'n', name: 'j', slot: 0, generation: 1, attempt: 1 }),
    )
  })

  it('refuses bytes that are not JSON, saying so', () => {
    expect(reasonOf('\u0000\u00ff garbage {')).toMatch(/^worker status is not JSON \(/)
    expect(reasonOf('')).toMatch(/^worker status is not JSON/)
    expect(reasonOf('<html>502 Bad Gateway</html>')).toMatch(/^worker status is not JSON/)
  })

  it('refuses JSON that is not an object', () => {
    expect(reasonOf([])).toBe('worker status: expected object, received array')
    expect(reasonOf('null')).toBe('worker status: expected object, received null')
    expect(reasonOf('42')).toBe('worker status: expected object, received number')
  })

  it('names a missing field: a status without alarms is refused, not thrown on later', () => {
    const { alarms: _alarms, ...rest } = valid
    expect(reasonOf(rest)).toBe('worker status: alarms: expected array, received undefined')
  })

  it('names fields of the wrong type, nested ones by their path', () => {
    expect(reasonOf({ ...valid, ready: 'yes' })).toBe('worker status: ready: expected boolean, received string')
    expect(reasonOf({ ...valid, alarms: [{ reason: 'X', message: 7, since: '2026-11-25T10:00:00Z' }] })).toBe(
      'worker status: alarms[0].message: expected string, received number',
    )
    expect(reasonOf({ ...valid, lastCheckpoint: { ...valid.lastCheckpoint, completedAt: 'yesterday' } })).toBe(
      'worker status: lastCheckpoint.completedAt: Invalid ISO datetime',
    )
    expect(reasonOf({ ...valid, phase: 'Dancing' })).toMatch(/^worker status: phase: Invalid option: expected one of/)
    expect(reasonOf({ ...valid, formatVersion: 2 })).toBe('worker status: formatVersion: expected 1')
  })

  it('counts the problems it does not name', () => {
    expect(reasonOf({ ...valid, slot: 'a', ready: 1, alarms: null })).toBe(
      'worker status: slot: expected number, received string (and 2 more problem(s))',
    )
  })

  it('refuses negative, fractional and infinite numbers where the CRD wants an int64 >= 0', () => {
    expect(reasonOf({ ...valid, lag: -5 })).toBe('worker status: lag: Too small: expected number to be >=0')
    expect(reasonOf({ ...valid, lastCheckpoint: { ...valid.lastCheckpoint, bytes: -1 } })).toMatch(
      /^worker status: lastCheckpoint\.bytes: Too small/,
    )
    expect(reasonOf({ ...valid, lastCheckpoint: { ...valid.lastCheckpoint, durationMs: 1.5 } })).toBe(
      'worker status: lastCheckpoint.durationMs: expected int, received number',
    )
    // JSON.parse turns 1e400 into Infinity.
    expect(reasonOf(JSON.stringify(valid).replace('"recordsIn":0', '"recordsIn":1e400'))).toBe(
      'worker status: recordsIn: expected number, received Infinity',
    )
    expect(reasonOf({ ...valid, restoreDurationMs: -0.5 })).toMatch(/^worker status: restoreDurationMs: Too small/)
    expect(accepted({ ...valid, restoreDurationMs: 12.5 }).restoreDurationMs).toBe(12.5)
  })

  it('refuses null for an optional field (JSON has no undefined: absent means absent)', () => {
    expect(reasonOf({ ...valid, lag: null })).toBe('worker status: lag: expected number, received null')
  })

  it('drops fields it does not know', () => {
    const status = accepted({ ...valid, extra: 'x'.repeat(10_000), job: { ...valid.job, uid: 'u' } })
    expect(status).toEqual(valid)
    expect(Object.keys(status)).not.toContain('extra')
    expect(Object.keys(status.job)).toEqual(['namespace', 'name'])
  })

  it('cuts huge strings to their bound, marking the cut with "…"', () => {
    const huge = 'e'.repeat(200_000)
    const status = accepted({
      ...valid,
      lastCheckpointError: huge,
      consecutiveCheckpointFailures: 2,
      alarms: [{ reason: 'R'.repeat(1000), message: huge, since: '2026-11-25T10:00:00Z' }],
      failure: { reason: 'Boom', message: huge },
      job: { namespace: 'n'.repeat(1000), name: 'counts' },
    })
    expect(status.lastCheckpointError).toHaveLength(WORKER_STATUS_LIMITS.message)
    expect(status.lastCheckpointError?.endsWith('e…')).toBe(true)
    expect(status.alarms[0]?.message).toHaveLength(WORKER_STATUS_LIMITS.message)
    expect(status.alarms[0]?.reason).toHaveLength(WORKER_STATUS_LIMITS.reason)
    expect(status.failure).toEqual({ reason: 'Boom', message: `${'e'.repeat(WORKER_STATUS_LIMITS.message - 1)}…` })
    expect(status.job.namespace).toHaveLength(WORKER_STATUS_LIMITS.name)
  })

  it('keeps at most 16 alarms (the oldest) and 1024 tasks', () => {
    const alarm = (i: number) => ({ reason: 'TransactionExpired', message: `lost ${i}`, since: '2026-11-25T10:00:00Z' })
    const status = accepted({
      ...valid,
      alarms: Array.from({ length: 100 }, (_, i) => alarm(i)),
      tasks: Array.from({ length: 5000 }, (_, i) => i),
    })
    expect(status.alarms).toHaveLength(WORKER_STATUS_LIMITS.alarms)
    expect(status.alarms[0]?.message).toBe('lost 0')
    expect(status.tasks).toHaveLength(WORKER_STATUS_LIMITS.tasks)
  })

  it('bounds its own reason, however long the parser error', () => {
    const reason = reasonOf(`{"a": ${'['.repeat(100_000)}`)
    expect(reason).toMatch(/^worker status is not JSON/)
    expect(reason.length).toBeLessThanOrEqual(WORKER_STATUS_LIMITS.refusal)
  })
})

describe('truncateText()', () => {
  it('leaves short text alone and cuts long text to exactly the bound', () => {
    expect(truncateText('short', 10)).toBe('short')
    expect(truncateText('0123456789', 10)).toBe('0123456789')
    expect(truncateText('0123456789a', 10)).toBe('012345678…')
  })

  it('never splits a surrogate pair', () => {
    const cut = truncateText(`abcdefgh${'😀'.repeat(5)}`, 10)
    expect(cut).toBe('abcdefgh…')
    expect(cut.length).toBeLessThanOrEqual(10)
  })
})
