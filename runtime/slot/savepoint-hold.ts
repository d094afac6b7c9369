/**
 * A slot's part in a savepoint taken while the job runs (contract/worker-savepoint.ts), as a
 * state machine the slot loop asks at every turn. Pure: no clock of its own, no I/O.
 *
 *   requested ──slot Idle──▶ cutting ──cut stored and committed──▶ writing ──part copied──▶ holding
 *                              │                                      │                       │
 *                              └───────── hold deadline passed: failed ◀──────────────────────┤
 *                                                                                 release ──▶ released (slot 0: ──▶ written)
 *
 * Why holding is enough for a consistent cut, even when slots read each other's output (a
 * repartition, examples/bank-transfers): the cut is checkpoint k, committed; what the slot
 * processes after it goes into transaction k+1, which commits only at checkpoint k+1, and a
 * holding slot takes none. So while every slot holds, nothing any slot produced after its cut
 * is readable, and no cut can have consumed it. The operator releases only when every slot
 * holds at one moment. Processing never stops; only the next commit waits.
 */
import type { WorkerSavepoint } from '../../contract/worker-status.ts'
import type { CheckpointCycle } from '../checkpoint/checkpoint-cycle.ts'

type State = 'requested' | 'cutting' | 'writing' | 'holding' | 'released' | 'written' | 'failed'

interface Entry {
  name: string
  state: State
  checkpointId?: number
  holdUntil?: number
  message?: string
}

/** What the slot loop does about the savepoint now: take the cut, hold back barriers, or nothing. */
export type HoldStep = 'cut' | 'hold' | 'none'

export type HoldAnswer = { accepted: true } | { accepted: false; reason: string }

export class SavepointHold {
  #entry: Entry | undefined
  /** From the cut's barrier, how long its transaction may wait for the release. */
  readonly maxHoldMs: number

  constructor(maxHoldMs: number) {
    this.maxHoldMs = maxHoldMs
  }

  /** The operator asks for savepoint `name`. Asking again for the same one changes nothing. */
  request(name: string): HoldAnswer {
    const e = this.#entry
    if (e?.name === name) return { accepted: true }
    if (e && this.#inProgress(e))
      return { accepted: false, reason: `savepoint "${e.name}" is in progress; release it first` }
    this.#entry = { name, state: 'requested' }
    return { accepted: true }
  }

  step(cycle: CheckpointCycle, now: number): HoldStep {
    const e = this.#entry
    if (!e) return 'none'
    if (e.state === 'requested') {
      if (cycle.phase !== 'Idle') return 'none'
      e.state = 'cutting'
      e.checkpointId = cycle.checkpointId
      e.holdUntil = now + this.maxHoldMs
      return 'cut'
    }
    if (!this.#inProgress(e)) return 'none'
    if (now > e.holdUntil!) {
      this.#fail(e, `not released within ${this.maxHoldMs} ms of its cut: given up, checkpoints go on`)
      return 'none'
    }
    return 'hold'
  }

  /** Checkpoint `k` is stored and committed: the name of the savepoint whose cut it is, if any. */
  cutCompleted(k: number): string | undefined {
    const e = this.#entry
    if (e?.state !== 'cutting' || e.checkpointId !== k) return undefined
    e.state = 'writing'
    return e.name
  }

  partWritten(name: string): void {
    if (this.#entry?.name === name && this.#entry.state === 'writing') this.#entry.state = 'holding'
  }

  /** The release; `true` once accepted. Releasing a savepoint already released changes nothing. */
  release(name: string): HoldAnswer {
    const e = this.#entry
    if (e?.name !== name) return { accepted: false, reason: `no savepoint "${name}" here` }
    if (e.state === 'released' || e.state === 'written') return { accepted: true }
    if (e.state === 'failed') return { accepted: false, reason: `savepoint "${name}" failed here: ${e.message}` }
    e.state = 'released'
    return { accepted: true }
  }

  written(name: string): void {
    if (this.#entry?.name === name) this.#entry.state = 'written'
  }

  failed(name: string, message: string): void {
    if (this.#entry?.name === name) this.#fail(this.#entry, message)
  }

  /** A stop ends any hold: its final checkpoint commits past the cut. */
  stopping(): void {
    const e = this.#entry
    if (e && (e.state === 'requested' || this.#inProgress(e)))
      this.#fail(e, 'the worker is stopping: its final checkpoint commits past the cut')
  }

  /** What GET /status says about it. */
  report(now: number): WorkerSavepoint | undefined {
    const e = this.#entry
    if (!e) return undefined
    const state = e.state === 'requested' || e.state === 'writing' ? 'cutting' : e.state
    return {
      name: e.name,
      state,
      ...(e.checkpointId !== undefined ? { checkpointId: e.checkpointId } : {}),
      ...(this.#inProgress(e) || e.state === 'requested'
        ? { holdRemainingMs: Math.max(0, (e.holdUntil ?? now + this.maxHoldMs) - now) }
        : {}),
      ...(e.message ? { message: e.message } : {}),
    }
  }

  #inProgress(e: Entry): boolean {
    return e.state === 'cutting' || e.state === 'writing' || e.state === 'holding'
  }

  #fail(e: Entry, message: string): void {
    e.state = 'failed'
    e.message = message
  }
}

/**
 * How long a slot may hold: the transaction opened at the cut must still commit, within
 * `checkpoint.timeout` of the release, before the broker's transaction timeout aborts it.
 */
export function maxHoldMs(transactionTimeoutMs: number, checkpointTimeoutMs: number): number {
  return Math.max(1000, Math.min(60_000, transactionTimeoutMs - checkpointTimeoutMs - 5000))
}
