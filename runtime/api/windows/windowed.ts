/**
 * Windows over event time, as a small library on timers and keyed state, not a second engine:
 * `windowed({...})` returns an ordinary job definition. Per (key, window) the state holds an
 * incremental aggregate; an event-time timer at the window's last millisecond emits the result
 * when the watermark passes it; a second timer, `allowedLateness` later, forgets the window.
 * A record for a window that has fired but is still within its lateness updates it and emits a
 * `late` result at once; a record for a window past its lateness follows the `late` policy.
 * Optional early firings emit partial results on the wall clock (not replayed identically).
 *
 * Session windows merge: a key's sessions are kept as one list, a record opens [t, t + gap),
 * and every session it overlaps merges into it (the aggregate's `merge` combines them).
 */

import { durationToMs } from '../../../contract/duration.ts'
import type { Duration, JobContext, StateValue } from '../context.ts'
import type { JobDefinition, TimeOptions } from '../define-job.ts'
import type { OutputRecord, SourceRecord } from '../record.ts'
import { type Window, type WindowAssigner, windowsOf } from './assigners.ts'

export interface Aggregate<Acc extends StateValue> {
  create(): Acc
  add(acc: Acc, record: SourceRecord): Acc
  /** Combines two accumulators: session windows need it, as they merge. */
  merge?(a: Acc, b: Acc): Acc
}

export interface WindowResult<Acc> {
  key: string
  start: number
  end: number
  value: Acc
  /** `early`: a partial result on the wall clock; `on-time`: the watermark passed the end; `late`: updated by a late record. */
  firing: 'early' | 'on-time' | 'late'
}

/** What happens to a record whose windows are all past their allowed lateness. */
export type LatePolicy = 'drop' | 'dead-letter' | { topic: string }

export interface WindowedOptions<Acc extends StateValue, Config> {
  window: WindowAssigner
  /** The grouping key; default: the record key as UTF-8 ('' without one). */
  key?(record: SourceRecord): string
  aggregate: Aggregate<Acc>
  /** How long after a window's end late records still update it; default 0. */
  allowedLateness?: Duration
  /** Default `drop` (counted in exactly_records_dropped_total{reason="late"}). */
  late?: LatePolicy
  /** Emit partial results of open windows this often on the wall clock (tumbling and hopping only). */
  earlyFirings?: Duration
  /** The record a result becomes; default key = window key, value = JSON {start, end, value, firing}. */
  result?(window: WindowResult<Acc>, config: Config): OutputRecord
  time?: TimeOptions
}

const SEP = '\u0001'
type Session<Acc> = [start: number, end: number, acc: Acc]

export function windowed<Acc extends StateValue, Config = unknown>(
  options: WindowedOptions<Acc, Config>,
): JobDefinition<Config> {
  const { window: assigner, aggregate } = options
  const lateness = durationToMs(options.allowedLateness ?? 0, 'allowedLateness')
  const early = options.earlyFirings === undefined ? undefined : durationToMs(options.earlyFirings, 'earlyFirings')
  const late = options.late ?? 'drop'
  if (assigner.kind === 'session' && typeof aggregate.merge !== 'function') {
    throw new TypeError('Invalid windowed job: session windows merge, so the aggregate needs merge(a, b)')
  }
  if (assigner.kind === 'session' && early !== undefined) {
    throw new TypeError('Invalid windowed job: earlyFirings works with tumbling and hopping windows, not sessions')
  }
  if (early !== undefined && early <= 0)
    throw new RangeError('Invalid windowed job: earlyFirings must be longer than 0')
  const keyOf = options.key ?? ((r: SourceRecord) => r.key?.toString('utf8') ?? '')
  const emit = (ctx: JobContext<Config>, result: WindowResult<Acc>) =>
    ctx.emit(options.result ? options.result(result, ctx.config) : defaultResult(result))

  const onLate = (record: SourceRecord, ctx: JobContext<Config>) => {
    if (late === 'drop') ctx.drop('late')
    else if (late === 'dead-letter') ctx.deadLetter('late: every window of the record is past its allowed lateness')
    else ctx.emit({ topic: late.topic, key: record.key, value: record.value, headers: { ...record.headers } })
  }

  const fixed: Pick<JobDefinition<Config>, 'process' | 'onTimer'> = {
    process(record, ctx) {
      const key = keyOf(record)
      let accepted = false
      for (const w of windowsOf(assigner, ctx.timestamp)) {
        if (w.end - 1 + lateness <= ctx.watermark) continue
        accepted = true
        const id = `${w.start}${SEP}${key}`
        const acc = aggregate.add(ctx.state.get<Acc>(`w${SEP}${id}`) ?? aggregate.create(), record)
        ctx.state.set(`w${SEP}${id}`, acc)
        if (w.end - 1 <= ctx.watermark) emit(ctx, { key, ...w, value: acc, firing: 'late' })
        else ctx.timers.registerEventTime(id, w.end - 1)
        if (lateness > 0) ctx.timers.registerEventTime(id, w.end - 1 + lateness)
        if (early !== undefined)
          ctx.timers.registerProcessingTime(id, nextTick(ctx.timers.currentProcessingTime(), early))
      }
      if (!accepted) onLate(record, ctx)
    },
    onTimer(timer, ctx) {
      const cut = timer.key.indexOf(SEP)
      const start = Number(timer.key.slice(0, cut))
      const key = timer.key.slice(cut + 1)
      const end = start + (assigner.kind === 'session' ? 0 : assigner.size)
      const stateKey = `w${SEP}${timer.key}`
      const acc = ctx.state.get<Acc>(stateKey)
      if (acc === undefined) return
      if (timer.domain === 'processing') {
        if (end - 1 <= ctx.watermark) return
        emit(ctx, { key, start, end, value: acc, firing: 'early' })
        ctx.timers.registerProcessingTime(timer.key, nextTick(timer.time, early!))
        return
      }
      if (timer.time === end - 1) emit(ctx, { key, start, end, value: acc, firing: 'on-time' })
      if (timer.time === end - 1 + lateness) ctx.state.delete(stateKey)
    },
  }

  const sessions: Pick<JobDefinition<Config>, 'process' | 'onTimer'> = {
    process(record, ctx) {
      const key = keyOf(record)
      const stateKey = `s${SEP}${key}`
      const all = ctx.state.get<Session<Acc>[]>(stateKey) ?? []
      const own = windowsOf(assigner, ctx.timestamp)[0]!
      const merged: Window = { ...own }
      let acc = aggregate.create()
      const kept: Session<Acc>[] = []
      const absorbed: Session<Acc>[] = []
      for (const s of all) {
        if (s[0] < own.end && own.start < s[1]) absorbed.push(s)
        else kept.push(s)
      }
      for (const [start, end, a] of absorbed) {
        merged.start = Math.min(merged.start, start)
        merged.end = Math.max(merged.end, end)
        acc = aggregate.merge!(acc, a)
      }
      if (merged.end - 1 + lateness <= ctx.watermark) return onLate(record, ctx)
      acc = aggregate.add(acc, record)
      for (const [, end] of absorbed) {
        ctx.timers.deleteEventTime(key, end - 1)
        if (lateness > 0) ctx.timers.deleteEventTime(key, end - 1 + lateness)
      }
      kept.push([merged.start, merged.end, acc])
      kept.sort((a, b) => a[0] - b[0])
      ctx.state.set(stateKey, kept as StateValue)
      if (merged.end - 1 <= ctx.watermark) emit(ctx, { key, ...merged, value: acc, firing: 'late' })
      else ctx.timers.registerEventTime(key, merged.end - 1)
      if (lateness > 0) ctx.timers.registerEventTime(key, merged.end - 1 + lateness)
    },
    onTimer(timer, ctx) {
      const stateKey = `s${SEP}${timer.key}`
      const all = ctx.state.get<Session<Acc>[]>(stateKey) ?? []
      const left = all.filter(([start, end, acc]) => {
        if (end - 1 === timer.time) emit(ctx, { key: timer.key, start, end, value: acc, firing: 'on-time' })
        return end - 1 + lateness !== timer.time
      })
      if (left.length === all.length) return
      if (left.length === 0) ctx.state.delete(stateKey)
      else ctx.state.set(stateKey, left as StateValue)
    },
  }

  const chosen = assigner.kind === 'session' ? sessions : fixed
  return {
    ...chosen,
    ...(options.time ? { time: options.time } : {}),
    ...(typeof late === 'object' ? { outputTopics: () => [late.topic] } : {}),
  }
}

function nextTick(now: number, every: number): number {
  return now - (((now % every) + every) % every) + every
}

function defaultResult<Acc>(r: WindowResult<Acc>): OutputRecord {
  return { key: r.key, value: JSON.stringify({ start: r.start, end: r.end, value: r.value, firing: r.firing }) }
}
