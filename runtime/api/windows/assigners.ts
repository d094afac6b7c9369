/**
 * Which windows an event time belongs to. Windows are half-open, [start, end): a window is
 * complete when the watermark reaches end - 1, its last millisecond. Tumbling and hopping windows
 * are aligned to the epoch (plus an offset), so every task and every replay cuts the same ones.
 */
import { durationToMs } from '../../../contract/duration.ts'
import type { Duration } from '../context.ts'

export interface Window {
  start: number
  end: number
}

export type WindowAssigner =
  | { kind: 'tumbling'; size: number; offset: number }
  | { kind: 'hopping'; size: number; slide: number; offset: number }
  | { kind: 'session'; gap: number }

/** Fixed-size, non-overlapping windows: `tumbling('1m')`. */
export function tumbling(size: Duration, options: { offset?: Duration } = {}): WindowAssigner {
  return { kind: 'tumbling', size: positive(size, 'tumbling window size'), offset: offsetOf(options.offset) }
}

/** Fixed-size windows every `slide`: `hopping('10m', '1m')` puts each record in 10 windows. */
export function hopping(size: Duration, slide: Duration, options: { offset?: Duration } = {}): WindowAssigner {
  const s = positive(size, 'hopping window size')
  const every = positive(slide, 'hopping window slide')
  if (s % every !== 0) {
    throw new RangeError(`Invalid hopping window: its size (${s} ms) must be a multiple of its slide (${every} ms)`)
  }
  return { kind: 'hopping', size: s, slide: every, offset: offsetOf(options.offset) }
}

/** Windows per key that close after `gap` without records: `session('30m')`. */
export function session(gap: Duration): WindowAssigner {
  return { kind: 'session', gap: positive(gap, 'session gap') }
}

/** The windows `time` falls in, oldest first. A session's is the record's own, before merging. */
export function windowsOf(assigner: WindowAssigner, time: number): Window[] {
  if (assigner.kind === 'session') return [{ start: time, end: time + assigner.gap }]
  const slide = assigner.kind === 'tumbling' ? assigner.size : assigner.slide
  const last = time - mod(time - assigner.offset, slide)
  const windows: Window[] = []
  for (let start = last - assigner.size + slide; start <= last; start += slide) {
    windows.push({ start, end: start + assigner.size })
  }
  return windows
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b
}

function positive(value: Duration, field: string): number {
  const ms = durationToMs(value, field)
  if (ms <= 0) throw new RangeError(`Invalid ${field} ${String(value)}: it must be longer than 0`)
  return ms
}

function offsetOf(offset: Duration | undefined): number {
  return offset === undefined ? 0 : durationToMs(offset, 'window offset')
}
