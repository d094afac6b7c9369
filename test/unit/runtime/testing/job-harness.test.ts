import { describe, expect, it } from 'vitest'
import dedup from '../../../../examples/dedup/job.ts'
import wordCount from '../../../../examples/word-count/job.ts'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import { expectSameOutputUnderCrashes, JobHarness } from '../../../../runtime/testing/job-harness.ts'

const words = (...ws: string[]) => ws.map((w) => ({ key: w, value: w }))

describe('JobHarness', () => {
  it('commits output at checkpoints, as a read_committed consumer sees it', () => {
    const h = new JobHarness(wordCount).send(...words('ant', 'bee', 'ant')).run()
    expect(h.output()).toEqual([])
    expect(h.uncommitted().map((r) => `${r.key}=${r.value}`)).toEqual(['ant=1', 'bee=1', 'ant=2'])
    h.checkpoint()
    expect(h.output().map((r) => `${r.key}=${r.value}`)).toEqual(['ant=1', 'bee=1', 'ant=2'])
    expect(h.state().get('ant')).toBe(2)
  })

  it('a crash drops what was not committed and replays it from the last checkpoint', () => {
    const h = new JobHarness(wordCount)
      .send(...words('ant'))
      .run()
      .checkpoint()
    h.send(...words('ant', 'bee')).run()
    h.crash()
    expect(h.state().get('ant'), 'restored from the checkpoint').toBe(1)
    expect(h.uncommitted()).toEqual([])
    h.run().checkpoint()
    expect(h.output().map((r) => `${r.key}=${r.value}`)).toEqual(['ant=1', 'ant=2', 'bee=1'])
  })

  it('places records by key on partitions as Kafka does, one task each', () => {
    const h = new JobHarness(dedup, { partitions: 4, sinkPartitions: 4 })
    h.send({ key: 'order-1', value: 'a' }, { key: 'order-1', value: 'again' }, { key: 'order-2', value: 'b' }).run()
    h.checkpoint()
    expect(h.output().map((r) => r.value)).toEqual(expect.arrayContaining(['a', 'b']))
    expect(h.output()).toHaveLength(2)
    const owners = [0, 1, 2, 3].filter((p) => h.state(p).has('order-1'))
    expect(owners).toHaveLength(1)
  })

  it('follows the dead-letter policy: the failed record goes to the dead-letter topic, its state writes undone', () => {
    const h = new JobHarness(dedup, { onError: 'dead-letter' })
    h.send({ key: null, value: 'no id' }, { key: 'x', value: 'ok' }).run().checkpoint()
    expect(h.output('dead-letters')).toEqual([
      expect.objectContaining({ value: 'no id', headers: expect.objectContaining({ 'exactly.error.class': 'Error' }) }),
    ])
    expect(h.output('output').map((r) => r.value)).toEqual(['ok'])
  })
})

describe('expectSameOutputUnderCrashes()', () => {
  it('passes a deterministic job, with a crash after every record', () => {
    const out = expectSameOutputUnderCrashes(wordCount, words('a', 'b', 'a', 'c', 'a', 'b', 'a'))
    expect(out.map((r) => `${r.key}=${r.value}`)).toEqual(['a=1', 'b=1', 'a=2', 'c=1', 'a=3', 'b=2', 'a=4'])
  })

  it('names where a job that keeps state outside ctx.state goes wrong', () => {
    let seen = 0 // survives a crash in memory, unlike a worker's: the replay counts differently
    const leaky = defineJob({
      process(record, ctx) {
        seen++
        ctx.emit({ key: record.key, value: String(seen) })
      },
    })
    expect(() => expectSameOutputUnderCrashes(leaky, words('a', 'b', 'c', 'd'), { checkpointEvery: 2 })).toThrow(
      /output changed after a crash after input record 0: .*no clock, randomness or state outside ctx\.state/,
    )
  })

  it('catches state a snapshot cannot hold (a Map comes back as an empty object)', () => {
    const mapped = defineJob({
      process(record, ctx) {
        const seen = (ctx.state.get('seen') as unknown as Map<string, number> | undefined) ?? new Map()
        ctx.emit({ key: record.key, value: String(seen instanceof Map ? seen.size : 'lost') })
        ctx.state.set('seen', seen as never)
      },
    })
    expect(() => expectSameOutputUnderCrashes(mapped, words('a', 'b', 'c'), { checkpointEvery: 1 })).toThrow(
      /output changed after a crash/,
    )
  })
})
