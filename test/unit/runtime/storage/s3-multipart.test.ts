import { describe, expect, it } from 'vitest'
import { PART_BYTES, partRanges } from '../../../../runtime/storage/s3-multipart.ts'

describe('partRanges', () => {
  it('covers every byte once, in order, with full parts before a shorter last one', () => {
    const length = 3 * PART_BYTES + 17
    const ranges = partRanges(length)
    expect(ranges).toHaveLength(4)
    expect(ranges[0]).toEqual([0, PART_BYTES])
    expect(ranges.at(-1)).toEqual([3 * PART_BYTES, length])
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1])
  })

  it('gives one part for a body up to one part size, and none for an empty one', () => {
    expect(partRanges(10, 10)).toEqual([[0, 10]])
    expect(partRanges(0)).toEqual([])
  })
})
