import { describe, expect, it } from 'vitest'
import { runExactly } from '../../../stack/run-command.ts'

describe('exactly CLI', () => {
  it('prints its version from package.json', async () => {
    const res = await runExactly(['version'])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^exactly \d+\.\d+\.\d+\n$/)
  })

  it('rejects an unknown command with exit code 2 and points to help', async () => {
    const res = await runExactly(['frobnicate'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(`unknown command "frobnicate"`)
    expect(res.stderr).toContain('exactly help')
  })
})
