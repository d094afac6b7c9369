import { describe, expect, it } from 'vitest'
import { freePort } from '../../../stack/ports.ts'

describe('freePort()', () => {
  it('never hands out the same port twice in one process, even when asked in parallel', async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()))
    expect(new Set(ports).size).toBe(ports.length)
    for (const port of ports) expect(port).toBeGreaterThan(0)
  })
})
