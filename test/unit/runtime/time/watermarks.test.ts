import { describe, expect, it } from 'vitest'
import { TimerQueue } from '../../../../runtime/time/timer-queue.ts'
import { Watermarks } from '../../../../runtime/time/watermarks.ts'

describe('Watermarks', () => {
  it('follows the largest event time minus the out-of-orderness minus 1 ms, and never moves back', () => {
    const w = new Watermarks(['a'], { outOfOrdernessMs: 100 }, 0)
    expect(w.current).toBe(Number.NEGATIVE_INFINITY)
    expect(w.observe('a', 1000)).toBe(true)
    expect(w.current).toBe(899)
    expect(w.observe('a', 950)).toBe(false)
    expect(w.current).toBe(899)
    w.observe('a', 2000)
    expect(w.current).toBe(1899)
  })

  it('is the minimum over the task partitions, -Infinity until each has a record', () => {
    const w = new Watermarks(['a', 'b'], { outOfOrdernessMs: 0 }, 0)
    w.observe('a', 5000)
    expect(w.current).toBe(Number.NEGATIVE_INFINITY)
    w.observe('b', 3000)
    expect(w.current).toBe(2999)
    w.observe('b', 9000)
    expect(w.current).toBe(4999)
  })

  it('lets an idle partition stop holding it back, and holds again from its next record', () => {
    const w = new Watermarks(['a', 'b'], { outOfOrdernessMs: 0, idleTimeoutMs: 1000 }, 0)
    w.active('a', 0)
    w.observe('a', 5000)
    expect(w.tick(999)).toBe(false)
    w.active('a', 999)
    // b has had no record for 1 s of wall clock: a alone decides.
    expect(w.tick(1000)).toBe(true)
    expect(w.current).toBe(4999)
    expect(w.isIdle('b')).toBe(true)
    w.active('b', 1001)
    w.observe('b', 6000)
    w.observe('a', 8000)
    // b is back and behind a: it holds the watermark at its own.
    expect(w.current).toBe(5999)
  })

  it('takes the largest when all partitions are idle, and restores from what it stored', () => {
    const w = new Watermarks(['a', 'b'], { outOfOrdernessMs: 0, idleTimeoutMs: 10 }, 0)
    w.observe('a', 100)
    w.observe('b', 300)
    expect(w.current).toBe(99)
    w.tick(10)
    expect(w.current).toBe(299)
    const again = new Watermarks(['a', 'b'], { outOfOrdernessMs: 0 }, 50, w.stored())
    expect(again.current).toBe(299)
    expect(again.stored()).toEqual({ watermark: 299, maxEventTime: { a: 100, b: 300 } })
  })

  it('never idles without an idle timeout', () => {
    const w = new Watermarks(['a', 'b'], { outOfOrdernessMs: 0 }, 0)
    w.observe('a', 100)
    expect(w.tick(1e12)).toBe(false)
    expect(w.current).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('TimerQueue', () => {
  it('pops what is due in (time, key) order whatever the push order', () => {
    const q = new TimerQueue()
    const pushed: Array<[number, string]> = []
    for (let i = 0; i < 200; i++) pushed.push([(i * 7919) % 50, `k${(i * 31) % 13}`])
    for (const [t, k] of pushed) q.push(t, k)
    const popped: Array<[number, string]> = []
    for (let d = q.popDue(25); d; d = q.popDue(25)) popped.push([d.time, d.key])
    const want = pushed
      .filter(([t]) => t <= 25)
      .sort(([t1, k1], [t2, k2]) => t1 - t2 || (k1 < k2 ? -1 : k1 > k2 ? 1 : 0))
    expect(popped).toEqual(want)
    expect(q.nextTime()).toBe(26)
    expect(q.size).toBe(pushed.length - want.length)
  })
})
