/**
 * A peer JVM that runs until it is stopped and reports what happens to it as event lines
 * (`event {json}` on stdout, each with the JVM's wall clock in `at`: the same clock as this
 * process's Date.now(), so a split is timed where it happens, not when the line arrives through
 * the pipe). The recovery rows use it for Kafka Streams (kafka-streams-process.ts) and Flink
 * (flink-process.ts).
 *
 * The JVM is spawned directly (not under bash as runJava does: the recovery rows need its pid for
 * SIGKILL, not its CPU), in its own process group, killed with that group if this process exits
 * first.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { OwnedGroups, signalChild } from '../../stack/process-group.ts'

export interface JvmEvent {
  event: string
  /** The JVM's System.currentTimeMillis() when it happened. */
  at: number
  [field: string]: unknown
}

export interface EventJvm {
  readonly pid: number
  /** When the JVM was spawned (Date.now()). */
  readonly spawnedAt: number
  readonly events: readonly JvmEvent[]
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first event (already seen or to come) that matches; rejects on exit or timeout. */
  waitFor(match: (e: JvmEvent) => boolean, timeoutMs: number, what: string): Promise<JvmEvent>
  /** SIGKILL to the JVM's process group. */
  kill(): void
  /** SIGTERM (the peer's clean close), waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** Why the process ended or failed early, if it did. */
  failure(): string | undefined
}

export interface EventJvmOptions {
  /** Names the peer in errors: "Kafka Streams", "Flink". */
  name: string
  /** JVM options and the main class with its arguments. */
  args: string[]
  /** stderr (the peer's logs) and the event lines are appended here. */
  logFile: string
  /** An event that means the peer failed (Kafka Streams going to ERROR): its message. */
  failedOn?: (event: JvmEvent) => string | undefined
}

const jvms = new OwnedGroups()

export function startEventJvm(o: EventJvmOptions): EventJvm {
  const log = createWriteStream(o.logFile, { flags: 'a' })
  const spawnedAt = Date.now()
  const child = spawn('java', o.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  jvms.add(child)
  const events: JvmEvent[] = []
  const waiters = new Set<() => void>()
  let failed: string | undefined
  let partial = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      log.write(`${line}\n`)
      if (!line.startsWith('event ')) continue
      const event = JSON.parse(line.slice('event '.length)) as JvmEvent
      events.push(event)
      failed ??= o.failedOn?.(event)
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
  const waitFor = async (match: (e: JvmEvent) => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = events.find(match)
      if (found) return found
      if (failed) throw new Error(`waiting for ${what}: ${failed}`)
      if (Date.now() >= deadline) throw new Error(`no ${what} from ${o.name} after ${timeoutMs} ms; see ${o.logFile}`)
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
