/**
 * The Kafka Streams peer as a long-running process, for the recovery row: BenchApp with
 * `--expected=0` (runs until SIGTERM, whose shutdown hook closes the client cleanly and commits
 * the last transaction), `--events=true` (one `event {json}` line on stdout per state change,
 * changelog restore start and end, and the effective group and transaction settings) and
 * `--lag-poll-ms` (its processing lag against the input's last stable offsets, and the moment it
 * first reaches 0). Every event carries the JVM's wall clock (`at`, ms since the epoch): the same
 * clock as this process's Date.now(), so the split is timed where it happens, not when the line
 * arrives through the pipe.
 *
 * The JVM is spawned directly (not under bash as runJava does: the recovery row needs its pid
 * for SIGKILL, not its CPU), in its own process group, killed with that group if this process
 * exits first.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { OwnedGroups, signalChild } from '../../stack/process-group.ts'
import { kafkaStreamsDir } from './kafka-streams.ts'

export interface KafkaStreamsEvent {
  event: string
  /** The JVM's System.currentTimeMillis() when it happened. */
  at: number
  [field: string]: unknown
}

export interface KafkaStreamsProcessOptions {
  bootstrap: string
  inputTopic: string
  outputTopic: string
  applicationId: string
  stateDir: string
  commitIntervalMs: number
  lagPollMs: number
  /** stderr (Kafka Streams' logs) and the event lines are appended here. */
  logFile: string
  /** slf4j-simple's level for the log file (default warn). */
  logLevel?: string
}

export interface KafkaStreamsProcess {
  readonly pid: number
  /** When the JVM was spawned (Date.now()). */
  readonly spawnedAt: number
  readonly events: readonly KafkaStreamsEvent[]
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first event (already seen or to come) that matches; rejects on exit or timeout. */
  waitFor(match: (e: KafkaStreamsEvent) => boolean, timeoutMs: number, what: string): Promise<KafkaStreamsEvent>
  /** SIGKILL to the JVM's process group. */
  kill(): void
  /** SIGTERM (clean close, last commit), waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** Why the process ended or failed early, if it did. */
  failure(): string | undefined
}

const jvms = new OwnedGroups()

export async function startKafkaStreamsProcess(o: KafkaStreamsProcessOptions): Promise<KafkaStreamsProcess> {
  const dir = await kafkaStreamsDir()
  const log = createWriteStream(o.logFile, { flags: 'a' })
  const spawnedAt = Date.now()
  const child = spawn(
    'java',
    [
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${o.logLevel ?? 'warn'}`,
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      `${dir}/*:${dir}/libs/*`,
      'dev.exactly.bench.BenchApp',
      'keyed-count',
      `--bootstrap=${o.bootstrap}`,
      `--input=${o.inputTopic}`,
      `--output=${o.outputTopic}`,
      '--expected=0',
      `--application-id=${o.applicationId}`,
      `--state-dir=${o.stateDir}`,
      '--guarantee=exactly_once_v2',
      `--commit-interval-ms=${o.commitIntervalMs}`,
      '--events=true',
      `--lag-poll-ms=${o.lagPollMs}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  jvms.add(child)
  const events: KafkaStreamsEvent[] = []
  const waiters = new Set<() => void>()
  let failed: string | undefined
  let partial = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      log.write(`${line}\n`)
      if (!line.startsWith('event ')) continue
      const event = JSON.parse(line.slice('event '.length)) as KafkaStreamsEvent
      events.push(event)
      if (event.event === 'state' && event.to === 'ERROR') failed ??= `Kafka Streams went to ERROR; see ${o.logFile}`
    }
    for (const wake of waiters) wake()
  })
  child.stderr!.pipe(log, { end: false })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      failed ??= `the JVM exited (code ${code}, signal ${signal}); see ${o.logFile}`
      log.end(() => resolve({ code, signal }))
      for (const wake of waiters) wake()
    }),
  )
  const waitFor = async (match: (e: KafkaStreamsEvent) => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = events.find(match)
      if (found) return found
      if (failed) throw new Error(`waiting for ${what}: ${failed}`)
      if (Date.now() >= deadline)
        throw new Error(`no ${what} from Kafka Streams after ${timeoutMs} ms; see ${o.logFile}`)
      let wake!: () => void
      const woken = new Promise<void>((resolve) => {
        wake = resolve
      })
      waiters.add(wake)
      await Promise.race([woken, sleep(Math.min(1000, Math.max(1, deadline - Date.now())))])
      waiters.delete(wake)
    }
  }
  return {
    pid: child.pid!,
    spawnedAt,
    events,
    exited,
    waitFor,
    kill: () => signalChild(child, 'SIGKILL'),
    async stop(graceMs = 30_000) {
      signalChild(child, 'SIGTERM')
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])
      if (!done) {
        signalChild(child, 'SIGKILL')
        await exited
      }
    },
    failure: () => failed,
  }
}
