/**
 * Where the demo's stack lives and how it goes away. Normally in a fresh directory under
 * $TMPDIR/exactly-demo/, stopped at the end, on failure and on Ctrl-C. With DEMO_KEEP=1 in the
 * repository's .stack, left running, so that `make status` and `make down` work on it afterwards.
 * A demo killed outright (SIGKILL) leaves its stack behind; the next demo stops it.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../repo-root.ts'
import { killAllNow, stackIsUp, stopStackDir, sweepOrphanStacks } from '../stack.ts'

const DEMO_ROOT = join(tmpdir(), 'exactly-demo')
/** Finished runs whose logs are kept. */
const KEEP_RUNS = 3

/** The stack directory for this run; throws if DEMO_KEEP=1 would start over a stack that is up. */
export async function prepareStackDir(keep: boolean, say: (line: string) => void): Promise<string> {
  await sweepOrphanStacks(DEMO_ROOT)
  pruneOldRuns()
  if (!keep) return join(DEMO_ROOT, `${Date.now()}-${process.pid}`)
  const dir = join(REPO_ROOT, '.stack')
  if (stackIsUp(dir)) {
    throw new Error(
      `DEMO_KEEP=1 starts the demo's stack in ${dir}, but a stack is already up there: run 'make down' first, or run the demo without DEMO_KEEP`,
    )
  }
  if (existsSync(dir)) {
    say(`removing what a stopped stack left in ${dir}`)
    await stopStackDir(dir)
    rmSync(dir, { recursive: true, force: true })
  }
  return dir
}

/** Removes the data of a finished stack (Kafka, S3, etcd); its logs stay for a look afterwards. */
export function dropData(dir: string): void {
  for (const part of ['kafka', 's3', 'kube', 'helm', 'kube-cache'])
    rmSync(join(dir, part), { recursive: true, force: true })
}

/** Finished demo runs (no stack.json) beyond the newest few go. */
function pruneOldRuns(): void {
  if (!existsSync(DEMO_ROOT)) return
  const finished = readdirSync(DEMO_ROOT)
    .filter((name) => !existsSync(join(DEMO_ROOT, name, 'stack.json')))
    .sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))
  for (const name of finished.slice(KEEP_RUNS - 1)) rmSync(join(DEMO_ROOT, name), { recursive: true, force: true })
}

/**
 * kafkajs 2.2.4 makes Node 24 print "TimeoutNegativeWarning" (harmless; explained in
 * runtime/kafka/kafkajs/request-queue-timers.ts). Other warnings still print.
 */
export function quietKafkajsWarning(): void {
  process.removeAllListeners('warning')
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`)
  })
}

type Cleanup = () => Promise<void>
const cleanups: Cleanup[] = []
let cleaning: Promise<void> | undefined

/** Registers a step of the clean-up; they run last-registered first. */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup)
}

/** Runs every clean-up once (a second call waits for the first). */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => process.stderr.write(`clean-up: ${(error as Error).message}\n`))
    }
  })()
  return cleaning
}

let interruptedBy: NodeJS.Signals | undefined

/** The signal that interrupted the demo, if one did (what fails after it is no news). */
export function interrupted(): NodeJS.Signals | undefined {
  return interruptedBy
}

/** Ctrl-C and SIGTERM clean up, then exit 130/143; a plain exit kills what is left, unless kept. */
export function handleInterrupts(keep: boolean, say: (line: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interruptedBy = signal
      say(`interrupted (${signal}): ${keep ? 'leaving the stack up' : 'stopping the stack'}…`)
      void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
    })
  }
  process.once('exit', () => {
    if (!keep) killAllNow()
  })
}
