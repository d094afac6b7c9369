import { describe, expect, it } from 'vitest'
import { SecretReader } from '../../../../operator/kube/secret-reader.ts'

describe('SecretReader', () => {
  it('reads a found Secret at most once per max age, and a missing one at every pass', async () => {
    const reads: string[] = []
    let now = 0
    const existing = new Set(['user'])
    const reader = new SecretReader(
      {
        readSecretData: async (_namespace, name) => {
          reads.push(name)
          return existing.has(name) ? { password: 'cHc=' } : undefined
        },
      },
      15_000,
      () => now,
    )
    expect(await reader.read('team', ['user', 'ca', 'user'])).toEqual(
      new Map([
        ['user', { password: 'cHc=' }],
        ['ca', undefined],
      ]),
    )
    now = 10_000
    existing.add('ca')
    await reader.read('team', ['user', 'ca'])
    now = 16_000
    await reader.read('team', ['user', 'ca'])
    expect(reads).toEqual(['user', 'ca', 'ca', 'user'])
  })
})
