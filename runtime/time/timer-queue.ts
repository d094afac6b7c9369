/**
 * A min-heap of (time, key) entries: what is due next, earliest time first and, at equal times,
 * keys in code-unit order, so the same timers always fire in the same order (a replay after a
 * crash must emit what the first run emitted). Duplicates are allowed here: the owner of the
 * queue dedups against its state and skips entries that state no longer holds when they are
 * popped, so deleting or rolling back a timer never has to search the heap.
 */
export interface QueuedTime {
  time: number
  key: string
}

export class TimerQueue {
  readonly #heap: QueuedTime[] = []

  get size(): number {
    return this.#heap.length
  }

  push(time: number, key: string): void {
    const heap = this.#heap
    heap.push({ time, key })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      swap(heap, i, parent)
      i = parent
    }
  }

  /** The earliest entry's time, or Infinity when the queue is empty. */
  nextTime(): number {
    return this.#heap[0]?.time ?? Number.POSITIVE_INFINITY
  }

  /** Removes and returns the earliest entry if it is due at `upTo` (time ≤ upTo). */
  popDue(upTo: number): QueuedTime | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined || top.time > upTo) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      while (true) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right
        if (smallest === i) break
        swap(heap, i, smallest)
        i = smallest
      }
    }
    return top
  }
}

function before(a: QueuedTime, b: QueuedTime): boolean {
  return a.time < b.time || (a.time === b.time && a.key < b.key)
}

function swap(heap: QueuedTime[], i: number, j: number): void {
  const t = heap[i]!
  heap[i] = heap[j]!
  heap[j] = t
}
