import { describe, expect, it } from 'vitest'
import { recoverPodName, workerPodName } from '../../../../operator/model/names.ts'

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
