import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sweepOrphanStacks } from '../../../stack/stack.ts'

describe('sweepOrphanStacks()', () => {
  it("keeps the newest finished runs' directories and deletes the older ones", async () => {
    const root = mkdtempSync(join(tmpdir(), 'exactly-sweep-'))
    const names = [
      '1796539208726-4944',
      '1796540252416-29107',
      '1796540252416-29107-chaos-kafka',
      '1796568850135-18289',
    ]
    for (const name of [...names, '1796570246889-4466']) {
      mkdirSync(join(root, name, 'logs'), { recursive: true })
      writeFileSync(join(root, name, 'logs', 'kafka.log'), 'x')
    }
    await sweepOrphanStacks(root, 3)
    expect(readdirSync(root).sort()).toEqual([
      '1796540252416-29107-chaos-kafka',
      '1796568850135-18289',
      '1796570246889-4466',
    ])
  })
})
