/**
 * Settings the worker config carries that the StreamJob API does not expose, with the defaults
 * the operator writes and the worker assumes when a field is absent. One place, so both sides
 * agree on them.
 */

/** The port of the worker's HTTP endpoints (/healthz, /readyz, /metrics, /status, POST /stop). */
export const WORKER_PORT = 8080

/** How a slot reads its sources (runtime/source/source-reader.ts). */
export interface ReadSettings {
  /** Upper bound per partition of one fetch; the broker may return less. */
  maxBytesPerPartition: number
  /** Records processed between two looks at the barrier. */
  sliceRecords: number
  /** Send the next fetch while the current answer is processed. */
  prefetch: boolean
}

/** A slice of 1000 is about 25 ms of bank commands: barriers and checkpoint I/O wait no longer. */
export const DEFAULT_READ: ReadSettings = {
  maxBytesPerPartition: 1024 * 1024,
  sliceRecords: 1000,
  prefetch: true,
}

/** When a task's incremental chain is rebased (runtime/state/snapshot-chain.ts). */
export interface ChainLimits {
  /** A chain of more deltas than this is due for a rebase. */
  maxDeltas: number
  /** Due too when the deltas add up to more than this many times the snapshot's bytes. */
  maxDeltaRatio: number
}

export const DEFAULT_CHAIN_LIMITS: ChainLimits = { maxDeltas: 16, maxDeltaRatio: 1 }
