import { describe, expect, it } from 'vitest'
import { waitFor } from '../../../stack/wait.ts'

describe('waitFor', () => {
  it('resolves with the first value that is neither undefined nor false', async () => {
    const answers = [undefined, false, 0, 1] as const
    let i = 0
    await expect(waitFor('a value', () => answers[i++], 1000, { intervalMs: 1 })).resolves.toBe(0)
  })

  it('takes a throwing check for "not yet" and names its last error on time-out', async () => {
    const failing = () => {
      throw new Error('busy')
    }
    await expect(waitFor('the server answers', failing, 30, { intervalMs: 5 })).rejects.toThrow(
      'Timed out after 30 ms waiting until the server answers (last error: Error: busy)',
    )
  })

  it('adds the detail on a line of its own, and says whole seconds as seconds', async () => {
    const wait = waitFor('never', () => undefined, 1000, { intervalMs: 200, detail: () => 'the log ends: x' })
    await expect(wait).rejects.toThrow('Timed out after 1 s waiting until never\nthe log ends: x')
  })

  it('ends at once with the reason a failure check gives', async () => {
    const started = Date.now()
    const wait = waitFor('never', () => undefined, 10_000, { failure: () => 'the process exited' })
    await expect(wait).rejects.toThrow(/^the process exited$/)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
