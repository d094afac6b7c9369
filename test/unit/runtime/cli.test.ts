import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['runtime/cli/exactly.ts', ...args], { encoding: 'utf8' })

describe('exactly CLI', () => {
  it('prints its version from package.json', () => {
    const res = cli('version')
    expect(res.status).toBe(0)
    expect(res.stdout).toMatch(/^exactly \d+\.\d+\.\d+\n$/)
  })

  it('rejects an unknown command with exit code 2 and points to help', () => {
    const res = cli('frobnicate')
    expect(res.status).toBe(2)
    expect(res.stderr).toContain(`unknown command "frobnicate"`)
    expect(res.stderr).toContain('exactly help')
  })
})
