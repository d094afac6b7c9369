/**
 * Processes started in a process group of their own (detached), so that a signal reaches
 * whatever they spawned too: the stack's components, pods, workers, the benchmark's JVMs.
 */
import type { ChildProcess } from 'node:child_process'

/** Signals a process group; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** Whether `pid` runs (EPERM: it runs, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Signals the group of `child` unless the child has already ended (its group id may be reused). */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalGroup(child.pid, signal)
}

/**
 * Children that must not outlive this process, whoever ends it: at its exit each group still
 * running gets SIGKILL. A test or a benchmark that fails half-way leaves none behind.
 */
export class OwnedGroups {
  readonly #live = new Set<ChildProcess>()

  constructor() {
    process.once('exit', () => this.killAll())
  }

  add(child: ChildProcess): void {
    this.#live.add(child)
    child.once('close', () => this.#live.delete(child))
  }

  killAll(): void {
    for (const child of this.#live) signalChild(child, 'SIGKILL')
  }
}
