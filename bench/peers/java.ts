/**
 * What the two Java peers share (their classpaths are installed by scripts in the style of
 * stack/install/, through stack/components.ts's installOnce): running one Java process to its end
 * with a timeout, its stdout kept, the tail of its stderr kept for errors, and its CPU time measured.
 *
 * CPU time of the child: Node cannot see a child's rusage, so the JVM runs under `bash -c`, which
 * waits for it and then prints `times` (user and system CPU of its finished children, from
 * wait4's rusage) to file descriptor 3. That is the whole process, JVM start-up and JIT included.
 */
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { OwnedGroups, signalChild } from '../../stack/process-group.ts'

export interface JavaRun {
  stdout: string
  stderrTail: string
  /** User + system CPU of the whole JVM process, from bash's `times`, in ms. */
  processCpuMs: number
  wallMs: number
}

export interface JavaOptions {
  /** Says what runs, in errors: e.g. "kafka-streams keyed-count (exactly_once_v2)". */
  what: string
  classpath: string
  mainClass: string
  args: readonly string[]
  timeoutMs: number
  javaOpts?: readonly string[]
  /** How long SIGTERM may take before SIGKILL (Kafka Streams closes itself on SIGTERM). */
  killGraceMs?: number
}

const TAIL_LINES = 40
const jvms = new OwnedGroups()

/**
 * Runs the JVM to its end. Rejects, naming `what`, when it exits non-zero or by a signal, or when
 * `timeoutMs` passes: then its process group gets SIGTERM, SIGKILL after the grace period, and
 * the error says so with the last lines of its stderr.
 */
export function runJava(o: JavaOptions): Promise<JavaRun> {
  const java = [
    ...(o.javaOpts ?? []),
    // slf4j-simple's level: the peers' logs are for failures only.
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    o.classpath,
    o.mainClass,
    ...o.args,
  ]
  const started = performance.now()
  const child = spawn('bash', ['-c', 'java "$@"; rc=$?; times >&3; exit $rc', 'bench-java', ...java], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, LC_NUMERIC: 'C' }, // `times` prints 0m1.234s, not 0m1,234s
    detached: true, // its own process group: a timeout stops bash and the JVM together
  })
  let stdout = ''
  let times = ''
  const tail: string[] = []
  let partial = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    tail.push(...lines)
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES)
  })
  ;(child.stdio[3] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
    times += chunk
  })
  const stderrTail = () => [...tail, partial].filter((l) => l !== '').join('\n')

  // If this Node process exits first (an orchestrator that crashed or was interrupted), the
  // detached JVM must not outlive it.
  jvms.add(child)

  return new Promise<JavaRun>((resolve, reject) => {
    let timedOut = false
    let killed = false
    let killer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      signalChild(child, 'SIGTERM')
      killer = setTimeout(() => {
        killed = true
        signalChild(child, 'SIGKILL')
      }, o.killGraceMs ?? 15_000)
    }, o.timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`${o.what}: cannot start bash/java: ${error.message}`, { cause: error }))
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (killer) clearTimeout(killer)
      const wallMs = performance.now() - started
      if (timedOut) {
        reject(
          new Error(
            `${o.what}: no result after ${o.timeoutMs} ms, so the JVM (process group ${child.pid}) was stopped ` +
              `(${killed ? 'SIGTERM, then SIGKILL after the grace period' : 'SIGTERM'}); last stderr lines:\n${stderrTail()}`,
          ),
        )
      } else if (code !== 0) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
        reject(
          new Error(`${o.what}: the JVM ${how} after ${Math.round(wallMs)} ms; last stderr lines:\n${stderrTail()}`),
        )
      } else {
        resolve({ stdout, stderrTail: stderrTail(), processCpuMs: childCpuMs(times), wallMs })
      }
    })
  })
}

/** bash's `times`: the shell's user/sys on line 1, its children's on line 2, as `1m2.345s`. */
export function childCpuMs(times: string): number {
  const line = times.trim().split('\n').at(-1) ?? ''
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000)
  if (parts.length !== 2) return Number.NaN
  return parts[0]! + parts[1]!
}

/** What both peers print as their last stdout line (BenchApp, FlinkBenchApp), with more fields of their own. */
export interface PeerLine {
  records: number
  elapsedMs: number
  cpuMs: number
  firstRecordAt: number
  lastRecordAt: number
  closeMs: number
}

/**
 * A peer's figures from its run: its JSON line, the rates over its window (which holds exactly
 * `expectedRecords` records, the first to the expected-th) and the whole process's CPU and wall time.
 */
export function peerFigures<L extends PeerLine>(what: string, run: JavaRun, expectedRecords: number) {
  const line = run.stdout
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'))
  if (!line) throw new Error(`${what}: the JVM exited 0 but printed no JSON line; stderr:\n${run.stderrTail}`)
  const figures = JSON.parse(line) as L
  const seconds = figures.elapsedMs / 1000
  return {
    figures,
    recordsPerSec: seconds > 0 ? expectedRecords / seconds : Number.POSITIVE_INFINITY,
    cpuMicrosPerRecord: (figures.cpuMs * 1000) / expectedRecords,
    processCpuMs: run.processCpuMs,
    wallMs: run.wallMs,
  }
}
