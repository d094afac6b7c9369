import { describe, expect, it } from 'vitest'
import { networkPolicyName, recoverPodName, workerPodName } from '../../../../operator/model/names.ts'

describe('names', () => {
  it('workerPodName() fits a long job name into 63 characters, keeping it unique by a hash', () => {
    const long = 'x'.repeat(70)
    const name = workerPodName(long, 12, 1023, 99)
    expect(name.length).toBeLessThanOrEqual(63)
    expect(name.endsWith('-g12-s1023-a99')).toBe(true)
    expect(workerPodName(`${long}y`, 12, 1023, 99)).not.toBe(name)
    expect(recoverPodName('counts', 1, 2)).toBe('counts-g1-recover-g2')
  })

  it('workerPodName() spells a short name as job, generation, slot and attempt', () => {
    expect(workerPodName('counts', 3, 0, 2)).toBe('counts-g3-s0-a2')
  })

  it('recoverPodName() shortens a long job name the same way, keeping the generations readable', () => {
    const name = recoverPodName('y'.repeat(80), 4, 5)
    expect(name.length).toBeLessThanOrEqual(63)
    expect(name).toMatch(/^y+-[0-9a-f]{8}-g4-recover-g5$/)
  })
})

describe('networkPolicyName()', () => {
  it('names the policy after the job and the start of its uid: a job made again under the same name gets its own', () => {
    const uid = '3f2a9c1b-7d4e-4f60-9a8b-0c1d2e3f4a5b'
    expect(networkPolicyName('counts', uid)).toBe('counts-workers-3f2a9c1b')
    expect(networkPolicyName('counts', '9e8d7c6b-0000-4000-8000-000000000000')).not.toBe(
      networkPolicyName('counts', uid),
    )
    expect(networkPolicyName('counts', '')).toBe('counts-workers')
  })

  it('shortens a long job name with a hash, as pod names are (63 characters)', () => {
    const name = networkPolicyName('z'.repeat(63), '3f2a9c1b-7d4e')
    expect(name.length).toBeLessThanOrEqual(63)
    expect(name).toMatch(/^z+-[0-9a-f]{8}-workers-3f2a9c1b$/)
  })
})
