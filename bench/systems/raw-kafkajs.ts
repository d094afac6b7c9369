/**
 * Runs the raw kafkajs loop (raw-kafkajs-loop.ts) as a child process on one workload and
 * measures it as ours is measured: from its first batch (the group join before it is start-up,
 * as our restore is) until its output is written (bench/output-watch.ts), CPU over the same
 * window; then the stop commits what is open, and the output is checked.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMs, rssMb } from '../proc.ts'
import type { LoopConfig } from './raw-kafkajs-loop.ts'
import { expectedCounts, type RunContext, type SystemRun, Unavailable, watchOutput } from './system.ts'

export interface RawMode {
  mode: LoopConfig['mode']
  commitIntervalMs: number
}

export async function runRawKafkajs(ctx: RunContext, mode: RawMode): Promise<SystemRun> {
  const job = ctx.workload.job
  if (job !== 'passthrough' && job !== 'keyedCount') {
    throw new Unavailable('the raw kafkajs loop runs passthrough and keyed count only')
  }
  const expected = expectedCounts(ctx.workload, ctx.input)
  const config: LoopConfig = {
    bootstrap: ctx.bootstrap,
    inputTopic: ctx.input.topic,
    outputTopic: ctx.outputTopic,
    job,
    mode: mode.mode,
    groupId: `bench-${ctx.runId}`,
    transactionalId: `bench-${ctx.runId}`,
    commitIntervalMs: mode.commitIntervalMs,
  }
  const log = createWriteStream(join(ctx.logDir, `${ctx.runId}.log`), { flags: 'a' })
  const child = spawn(process.execPath, [join(import.meta.dirname, 'raw-kafkajs-loop.ts')], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BENCH_LOOP_CONFIG: JSON.stringify(config), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  })
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  let ready = false
  let first: { at: number; cpuMs: number } | undefined
  let recordsIn = 0
  let ended: string | undefined
  child.on('message', (m: { type: string; at?: number; cpuMs?: number; recordsIn?: number }) => {
    if (m.type === 'ready') ready = true
    if (m.type === 'first') first = { at: m.at!, cpuMs: m.cpuMs! }
    if (m.type === 'progress') recordsIn = m.recordsIn ?? recordsIn
  })
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      ended = `the raw kafkajs loop exited (code ${code}, signal ${signal}); see ${ctx.logDir}/${ctx.runId}.log`
      log.end(() => resolve())
    }),
  )
  const watch = watchOutput(ctx, expected.out)
  const failed = () => ended
  try {
    const deadline = Date.now() + ctx.timeoutMs
    while (!ready) {
      if (ended) throw new Error(ended)
      if (Date.now() > deadline) throw new Error('the raw kafkajs loop did not start')
      await sleep(20)
    }
    watch.start()
    const cpuAtGo = cpuMs(child.pid!) ?? 0
    const startedAt = Date.now()
    child.send({ type: 'go' })
    ctx.onStarted?.()
    const writtenAt = await watch.written(deadline, failed)
    if (writtenAt === undefined)
      throw new Error(`the raw kafkajs loop did not write its output within ${ctx.timeoutMs} ms`)
    const cpuAtEnd = cpuMs(child.pid!) ?? cpuAtGo
    if (!first) throw new Error('the raw kafkajs loop wrote its output but never reported its first batch')
    // Transaction markers count in the high watermark: the loop may still have a few records to
    // read (while a producer still sends, in the latency rows). Stop only once it read them all.
    while (recordsIn < expected.in) {
      if (ended) throw new Error(ended)
      if (Date.now() > deadline) throw new Error(`the raw kafkajs loop read ${recordsIn} of ${expected.in} records`)
      await sleep(20)
    }
    const rss = rssMb(child.pid!) ?? 0
    // The stop commits the open transaction (or the offsets) and exits.
    const stopStarted = Date.now()
    await stopChild(child, exited)
    return {
      elapsedMs: watch.writtenAt() - first.at,
      cpuMs: cpuAtEnd - first.cpuMs,
      extra: {
        startupCpuMs: first.cpuMs,
        joinMs: first.at - startedAt,
        writtenMs: writtenAt - startedAt,
        stopMs: Date.now() - stopStarted,
        rssMb: rss,
      },
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await watch.close()
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.send({ type: 'stop' })
  const done = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)])
  if (!done) {
    child.kill('SIGKILL')
    await exited
  }
}
