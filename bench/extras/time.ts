/**
 * The cost of time, in this process, through the worker's own Task (keyed state, timers, TTL,
 * partitioner; no Kafka, so the figures are the runtime's CPU alone), interleaved with a baseline
 * doing the same state writes and emits without them:
 * - timers: every record registers an event-time timer one event-time millisecond ahead, which
 *   the next record's watermark fires, and `onTimer` emits: timers fired per second of CPU;
 * - TTL: the keyed count with `{ ttl }` on every write (event time; keys expire as the watermark
 *   moves on) against the plain keyed count: CPU per record, and entries expired.
 * Every 100,000 records the changed keys are taken, as a checkpoint's barrier takes them.
 */
import type { Job } from '../../runtime/api/define-job.ts'
import { defineJob } from '../../runtime/api/define-job.ts'
import type { FetchedRecord, OutgoingRecord } from '../../runtime/kafka/kafka-client.ts'
import { KeyedState } from '../../runtime/state/keyed-state.ts'
import { Task } from '../../runtime/task/task.ts'
import type { Figures, Section } from '../report.ts'
import { median } from '../report.ts'

const RECORDS = 1_000_000
const KEYS = 10_000
const CHECKPOINT_EVERY = 100_000

const plain = defineJob({
  process(record, ctx) {
    const key = record.key!.toString()
    ctx.state.set(key, (ctx.state.get<number>(key) ?? 0) + 1)
    ctx.emit({ key, value: 'x' })
  },
})

const withTimers = defineJob({
  process(record, ctx) {
    const key = record.key!.toString()
    ctx.state.set(key, (ctx.state.get<number>(key) ?? 0) + 1)
    ctx.timers.registerEventTime(key, ctx.timestamp + 1)
  },
  onTimer(timer, ctx) {
    ctx.emit({ key: timer.key, value: 'x' })
  },
})

const withTtl = defineJob({
  process(record, ctx) {
    const key = record.key!.toString()
    // A key comes back every KEYS ms of event time: each entry expires before its next write.
    ctx.state.set(key, (ctx.state.get<number>(key) ?? 0) + 1, { ttl: KEYS / 2 })
    ctx.emit({ key, value: 'x' })
  },
})

/** CPU ms to run RECORDS records (record i at event time i, key i mod KEYS scrambled) through `job`. */
function cpuOf(job: Job): { cpuMs: number; fired: number; expired: number; out: number } {
  const task = new Task({
    partition: 0,
    slot: 0,
    job,
    config: {},
    state: new KeyedState(),
    offsets: new Map([['in', 0n]]),
    sinkTopic: 'out',
    errorPolicy: { kind: 'fail' },
    partitionsOf: () => 4,
  })
  const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(`k${(i * 7919) % KEYS}`))
  const out: OutgoingRecord[] = []
  let emitted = 0
  const record: FetchedRecord = {
    topic: 'in',
    partition: 0,
    offset: 0n,
    key: null,
    value: null,
    headers: {},
    timestamp: 0,
  }
  const started = process.cpuUsage()
  for (let i = 0; i < RECORDS; i++) {
    record.offset = BigInt(i)
    record.key = keys[i % KEYS]!
    record.timestamp = i
    task.process(record, out)
    // The slot hands a slice's output to the producer; dropping it here keeps memory flat.
    if (out.length > 4096) {
      emitted += out.length
      out.length = 0
    }
    // A checkpoint about every second at this rate takes the changed keys, as a worker's barrier does.
    if (i % CHECKPOINT_EVERY === CHECKPOINT_EVERY - 1) {
      task.beforeSnapshot()
      task.state.takeChanges()
    }
  }
  const used = process.cpuUsage(started)
  const counts = task.takeCounts()
  return {
    cpuMs: (used.user + used.system) / 1000,
    fired: counts.timersFired,
    expired: counts.stateExpired,
    out: emitted + out.length,
  }
}

export async function timeSection(runs: number, say: (line: string) => void): Promise<Section> {
  const samples = { plain: [] as number[], timers: [] as number[], ttl: [] as number[] }
  let fired = 0
  let expired = 0
  // Warm-up, so the first measured run is not the JIT's.
  cpuOf(plain)
  for (let run = 0; run < runs; run++) {
    samples.plain.push(cpuOf(plain).cpuMs)
    const t = cpuOf(withTimers)
    samples.timers.push(t.cpuMs)
    fired = t.fired
    const x = cpuOf(withTtl)
    samples.ttl.push(x.cpuMs)
    expired = x.expired
    say(
      `  time run ${run + 1}/${runs}: plain ${samples.plain.at(-1)!.toFixed(0)} ms, timers ${t.cpuMs.toFixed(0)} ms, ttl ${x.cpuMs.toFixed(0)} ms CPU`,
    )
    await new Promise((resolve) => setImmediate(resolve))
  }
  const plainMs = median(samples.plain)!
  const timersMs = median(samples.timers)!
  const ttlMs = median(samples.ttl)!
  const figures: Figures = {
    'time.plain.usPerRecord': (plainMs * 1000) / RECORDS,
    'time.timers.firedPerCpuSecond': fired / (timersMs / 1000),
    'time.timers.usPerRecord': (timersMs * 1000) / RECORDS,
    'time.timers.vsPlain': timersMs / plainMs,
    'time.ttl.usPerRecord': (ttlMs * 1000) / RECORDS,
    'time.ttl.vsPlain': ttlMs / plainMs,
    'time.ttl.expired': expired,
  }
  const f = (n: number, digits = 2) => n.toFixed(digits)
  const markdown = [
    `In-process, through the worker's Task (no Kafka): ${RECORDS.toLocaleString('en')} records over ${KEYS.toLocaleString('en')} keys, medians of ${runs} interleaved runs, CPU time.`,
    '',
    '| job | µs CPU per record | against the plain keyed count |',
    '|---|---|---|',
    `| keyed count (state write and emit per record) | ${f(figures['time.plain.usPerRecord'] as number)} | 1.00 |`,
    `| a timer per record, fired by the next record's watermark, emitting in onTimer | ${f(figures['time.timers.usPerRecord'] as number)} | ${f(figures['time.timers.vsPlain'] as number)} |`,
    `| keyed count with an event-time TTL on every write (${expired.toLocaleString('en')} entries expired) | ${f(figures['time.ttl.usPerRecord'] as number)} | ${f(figures['time.ttl.vsPlain'] as number)} |`,
    '',
    `Timers fired per second of one core: ${Math.round(figures['time.timers.firedPerCpuSecond'] as number).toLocaleString('en')} (registering, firing and emitting included).`,
  ].join('\n')
  return { title: 'The cost of time (timers, TTL)', figures, markdown }
}
