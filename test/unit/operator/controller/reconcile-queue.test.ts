import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../../operator/clock.ts'
import { ReconcileQueue } from '../../../../operator/controller/reconcile-queue.ts'

describe('ReconcileQueue', () => {
  it('reports the time a key waited in the queue apart from the pass itself', async () => {
    const waits: number[] = []
    const passes: number[] = []
    let release: () => void = () => {}
    const blocked = new Promise<void>((resolve) => {
      release = resolve
    })
    const done: string[] = []
    const queue = new ReconcileQueue({
      log: pino({ level: 'silent' }),
      clock: systemClock,
      concurrency: 1,
      handler: async (key) => {
        if (key === 'a') await blocked
        done.push(key)
        return {}
      },
      hooks: { onStart: (seconds) => waits.push(seconds), onResult: (_result, seconds) => passes.push(seconds) },
    })
    queue.add('a')
    queue.add('b')
    await new Promise((resolve) => setTimeout(resolve, 60))
    release()
    await new Promise((resolve) => setTimeout(resolve, 20))
    queue.stop()
    expect(done).toEqual(['a', 'b'])
    // `b` waited behind `a` (about 60 ms); `a` did not wait, and b's own pass was quick.
    expect(waits[0]).toBeLessThan(0.03)
    expect(waits[1]).toBeGreaterThanOrEqual(0.05)
    expect(passes[1]).toBeLessThan(0.03)
  })

  it('held, queues keys and runs no pass until released (a controller with caches still filling)', async () => {
    const done: string[] = []
    const queue = new ReconcileQueue({
      log: pino({ level: 'silent' }),
      clock: systemClock,
      held: true,
      handler: async (key) => {
        done.push(key)
        return {}
      },
    })
    queue.add('a')
    queue.add('b')
    queue.add('a')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(done).toEqual([])
    expect(queue.length).toBe(2)
    queue.release()
    await new Promise((resolve) => setTimeout(resolve, 20))
    queue.stop()
    expect(done).toEqual(['a', 'b'])
  })
})
