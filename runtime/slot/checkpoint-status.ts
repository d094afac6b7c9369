/**
 * What a stored checkpoint changes in the slot's status and metrics: its figures become
 * `lastCheckpoint` (what the operator's CheckpointHealthy reads), and a run of failures ends.
 */
import type { WorkerStatus } from '../../contract/worker-status.ts'
import type { SlotMetrics } from './slot-deps.ts'

export function recordCheckpointStored(
  status: WorkerStatus,
  metrics: Pick<SlotMetrics, 'checkpointDuration' | 'checkpointBytes' | 'stateBytes'>,
  c: { id: number; durationMs: number; bytes: number; stateBytes: number; now: number },
): void {
  metrics.checkpointDuration.observe(c.durationMs / 1000)
  metrics.checkpointBytes.set(c.bytes)
  metrics.stateBytes.set(c.stateBytes)
  status.lastCheckpoint = {
    id: c.id,
    completedAt: new Date(c.now).toISOString(),
    durationMs: c.durationMs,
    bytes: c.bytes,
    stateBytes: c.stateBytes,
  }
  status.consecutiveCheckpointFailures = 0
  delete status.lastCheckpointError
}
