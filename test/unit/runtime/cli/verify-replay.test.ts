import { describe, expect, it } from 'vitest'
import wordCount from '../../../../examples/word-count/job.ts'
import { defineJob } from '../../../../runtime/api/define-job.ts'
import { ReplayRefusedError, replayModel } from '../../../../runtime/cli/verify-replay.ts'
import type { FetchedRecord } from '../../../../runtime/kafka/kafka-client.ts'

const record = (partition: number, offset: number, word: string): FetchedRecord => ({
  topic: 'words',
  partition,
  offset: BigInt(offset),
  key: Buffer.from(word),
  value: Buffer.from(word),
  headers: {},
  timestamp: 0,
})

describe('replayModel()', () => {
  it('is the job run over the input, partition by partition in offset order', () => {
    const input = [record(0, 0, 'a'), record(1, 0, 'a'), record(0, 1, 'a')]
    const out = replayModel(wordCount, input, { inputTopics: ['words'], outputTopic: 'counts', partitions: 2 })
    expect(out.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['a=1', 'a=1', 'a=2'])
  })

  it('refuses several input topics and a job that loops into its input', () => {
    const opts = { inputTopics: ['words', 'more'], outputTopic: 'counts', partitions: 1 }
    expect(() => replayModel(wordCount, [], opts)).toThrow(ReplayRefusedError)
    const loop = defineJob({
      process(r, ctx) {
        ctx.emit({ topic: 'words', key: r.key, value: r.value })
      },
    })
    expect(() =>
      replayModel(loop, [record(0, 0, 'a')], { inputTopics: ['words'], outputTopic: 'counts', partitions: 1 }),
    ).toThrow(/emits to its own input topic "words"/)
  })
})
