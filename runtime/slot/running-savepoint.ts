/**
 * The slot's side of a savepoint taken while the job runs: the operator's hold and release
 * (contract/worker-savepoint.ts) applied to the hold's state machine (savepoint-hold.ts), and the
 * storage writes they lead to (runtime/checkpoint/savepoint-parts.ts), in the background of the
 * slot loop. Writes that fail mark the savepoint failed; the operator then takes it by stopping
 * the job, and the slot goes on either way.
 */
import type { Logger } from 'pino'
import type { SavepointStep } from '../../contract/worker-savepoint.ts'
import type { WorkerSavepoint } from '../../contract/worker-status.ts'
import type { CheckpointCycle } from '../checkpoint/checkpoint-cycle.ts'
import type { ManifestTask } from '../checkpoint/manifest.ts'
import { type HoldAnswer, type HoldStep, SavepointHold } from './savepoint-hold.ts'
import type { SavepointStorage } from './slot-deps.ts'

export class RunningSavepoint {
  readonly #hold: SavepointHold
  readonly #storage: SavepointStorage | undefined
  readonly #slot: number
  readonly #log: Logger

  constructor(o: { maxHoldMs: number; storage: SavepointStorage | undefined; slot: number; log: Logger }) {
    this.#hold = new SavepointHold(o.maxHoldMs)
    this.#storage = o.storage
    this.#slot = o.slot
    this.#log = o.log
  }

  /** A step the operator asked for over HTTP (already authenticated). */
  take(step: SavepointStep): HoldAnswer {
    if (!this.#storage) return { accepted: false, reason: 'this worker has no savepoint storage' }
    if (step.step === 'hold') {
      const answer = this.#hold.request(step.name)
      if (answer.accepted)
        this.#log.info({ savepoint: step.name }, 'savepoint requested: the next checkpoint is the cut')
      return answer
    }
    const report = this.#hold.report(0)
    const answer = this.#hold.release(step.name)
    if (!answer.accepted || report?.state === 'released' || report?.state === 'written') return answer
    this.#log.info({ savepoint: step.name, keep: step.keep }, 'savepoint released: checkpoints go on')
    if (this.#slot === 0) void this.#finish(step.name, step.keep, step.dispose)
    return answer
  }

  step(cycle: CheckpointCycle, now: number): HoldStep {
    return this.#hold.step(cycle, now)
  }

  /** Checkpoint `k` is committed: if it is a savepoint's cut, its part is written now. */
  checkpointDone(k: number, tasks: readonly ManifestTask[]): void {
    const name = this.#hold.cutCompleted(k)
    if (!name) return
    this.#storage!.writePart(name, k, tasks).then(
      () => {
        this.#hold.partWritten(name)
        this.#log.info({ savepoint: name, checkpointId: k }, 'savepoint part written: holding commits past the cut')
      },
      (error: unknown) => this.#failed(name, `Cannot write this slot's part: ${(error as Error).message}`),
    )
  }

  stopping(): void {
    this.#hold.stopping()
  }

  report(now: number): WorkerSavepoint | undefined {
    return this.#hold.report(now)
  }

  async #finish(name: string, keep: boolean, dispose: readonly string[]): Promise<void> {
    try {
      if (!keep) {
        // Not its own copies unless the operator names them: a stop may be about to write them again.
        await this.#storage!.dispose(dispose)
        this.#log.info({ savepoint: name, disposed: dispose }, 'savepoint abandoned')
        return
      }
      const outcome = await this.#storage!.writeManifest(name, dispose)
      this.#hold.written(name)
      this.#log.info({ savepoint: name, outcome, disposed: dispose }, 'savepoint written')
    } catch (error) {
      this.#failed(name, `Cannot ${keep ? 'write' : 'delete'} savepoint "${name}": ${(error as Error).message}`)
    }
  }

  #failed(name: string, message: string): void {
    this.#hold.failed(name, message)
    this.#log.warn({ savepoint: name }, message)
  }
}
