/**
 * What a worker reports about itself at GET /status; the operator turns it into
 * `status.workers[]` and conditions. Plain data, versioned with the worker config.
 *
 * The schema is the one source of the type, and the operator parses every answer with it
 * (`parseWorkerStatus`): a worker image is code the operator does not control, and a field that
 * is missing, of the wrong type or too long would otherwise throw in a decision or make the API
 * server refuse the status write (the CRD caps condition messages and types its integers).
 * Strings are cut to bounds well inside those caps, lists to bounds no real worker reaches.
 */
import { z } from 'zod'

/** How long what a worker reports may be once parsed; longer strings and lists are cut, not refused. */
export const WORKER_STATUS_LIMITS = {
  /** lastCheckpointError, alarm and failure messages: they end up in condition messages (CRD: 32768). */
  message: 1024,
  /** Alarm and failure reasons (CamelCase words). */
  reason: 128,
  /** job.namespace and job.name (Kubernetes names are at most 253 characters). */
  name: 253,
  /** Alarms kept, oldest first: the operator only looks for the first TransactionExpired. */
  alarms: 16,
  /** Task (partition) numbers kept; the operator does not read them. */
  tasks: 1024,
  /** Why an answer was refused (parseWorkerStatus's reason). */
  refusal: 512,
} as const

/**
 * `text` cut to at most `max` UTF-16 units, the cut marked with "…". A surrogate pair is never
 * split, so the result stays valid Unicode (the API server counts characters, never more than this).
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = Math.max(0, max - 1)
  const last = text.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1
  return `${text.slice(0, cut)}…`
}

const text = (max: number) => z.string().overwrite((s) => truncateText(s, max))
const upTo = <T extends z.ZodType>(item: T, max: number) => z.array(item).overwrite((list) => list.slice(0, max))
/** Counters, ids and sizes: the CRD types them int64 >= 0, so a fraction or a negative would be refused there. */
const count = z.number().int().min(0)
/** RFC 3339, as the CRD's date-time fields and Date.parse expect. */
const time = z.iso.datetime({ offset: true }).max(64)

export const workerPhaseSchema = z.enum(['Starting', 'Restoring', 'Running', 'Stopping', 'Stopped', 'Failed'])
export type WorkerPhase = z.output<typeof workerPhaseSchema>

export const checkpointSummarySchema = z.object({
  id: count,
  completedAt: time,
  durationMs: count,
  /** Bytes this checkpoint uploaded: full snapshots, or deltas of the keys changed since the last one. */
  bytes: count,
  /** Bytes of state a restore from this checkpoint reads: each task's snapshot and deltas. */
  stateBytes: count.exactOptional(),
})
export type CheckpointSummary = z.output<typeof checkpointSummarySchema>

export const workerAlarmSchema = z.object({
  /** CamelCase, like condition reasons: TransactionExpired, CheckpointFailing, … */
  reason: text(WORKER_STATUS_LIMITS.reason),
  message: text(WORKER_STATUS_LIMITS.message),
  since: time,
})
export type WorkerAlarm = z.output<typeof workerAlarmSchema>

/**
 * This worker's part in a savepoint taken while the job runs (contract/worker-savepoint.ts):
 * `cutting` until its cut checkpoint is stored and copied, then `holding` (committing nothing
 * past the cut) until released or `holdRemainingMs` runs out; `released` after; slot 0 then
 * `written` once the savepoint's manifest is; `failed` with a message when its part could not be.
 */
export const workerSavepointSchema = z.object({
  name: text(128),
  state: z.enum(['cutting', 'holding', 'released', 'written', 'failed']),
  /** The checkpoint that is this slot's cut. */
  checkpointId: count.exactOptional(),
  /** While cutting or holding: how long the worker still holds before it gives the savepoint up. */
  holdRemainingMs: count.exactOptional(),
  message: text(WORKER_STATUS_LIMITS.message).exactOptional(),
})
export type WorkerSavepoint = z.output<typeof workerSavepointSchema>

/** Unknown fields are dropped, so a newer worker's additions do not disturb an older operator. */
export const workerStatusSchema = z.object({
  formatVersion: z.literal(1),
  job: z.object({ namespace: text(WORKER_STATUS_LIMITS.name), name: text(WORKER_STATUS_LIMITS.name) }),
  slot: count,
  generation: count,
  attempt: count,
  phase: workerPhaseSchema,
  ready: z.boolean(),
  tasks: upTo(count, WORKER_STATUS_LIMITS.tasks),
  lastCheckpoint: checkpointSummarySchema.exactOptional(),
  checkpointFailures: count,
  /** Failures since the last completed checkpoint; 0 when checkpoints are healthy. */
  consecutiveCheckpointFailures: count,
  lastCheckpointError: text(WORKER_STATUS_LIMITS.message).exactOptional(),
  /** False while a transaction this worker owns may have been lost (expired or fenced before commit). */
  transactionsClean: z.boolean(),
  alarms: upTo(workerAlarmSchema, WORKER_STATUS_LIMITS.alarms),
  recordsIn: count,
  recordsOut: count,
  /**
   * Records behind the last stable offset, summed over the slot's source partitions. Absent until
   * the slot's first fetch has answered: a slot that just restored does not know it yet, and a
   * 0 there would tell a caller waiting for "caught up" that it is.
   */
  lag: count.exactOptional(),
  restoreDurationMs: z.number().min(0).exactOptional(),
  /** Transactions the coordinator had forgotten that this worker's recovery closed with a marker. */
  hangingTransactionsClosed: count.exactOptional(),
  savepoint: workerSavepointSchema.exactOptional(),
  failure: z
    .object({ reason: text(WORKER_STATUS_LIMITS.reason), message: text(WORKER_STATUS_LIMITS.message) })
    .exactOptional(),
})
export type WorkerStatus = z.output<typeof workerStatusSchema>

/** A worker's answer, parsed: the status, or why it cannot be used (one sentence naming the field). */
export type ParsedWorkerStatus = { ok: true; status: WorkerStatus } | { ok: false; reason: string }

/**
 * The body of a worker's GET /status, checked and bounded. Never throws: a bad answer is a
 * reason, e.g. "worker status: alarms: expected array, received undefined". Pure.
 */
export function parseWorkerStatus(body: string): ParsedWorkerStatus {
  let raw: unknown
  try {
    raw = JSON.parse(body)
  } catch (error) {
    return refuse(`worker status is not JSON (${(error as Error).message})`)
  }
  const result = workerStatusSchema.safeParse(raw)
  if (result.success) return { ok: true, status: result.data }
  const [first, ...others] = result.error.issues
  const where = first?.path.length ? `${fieldPath(first.path)}: ` : ''
  const what = (first?.message ?? 'invalid').replace(/^Invalid input: /, '')
  const more = others.length > 0 ? ` (and ${others.length} more problem(s))` : ''
  return refuse(`worker status: ${where}${what}${more}`)
}

function refuse(reason: string): ParsedWorkerStatus {
  return { ok: false, reason: truncateText(reason, WORKER_STATUS_LIMITS.refusal) }
}

/** `alarms[0].message`, the way a person would look the field up in the JSON. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('')
}

export function initialWorkerStatus(identity: {
  namespace: string
  name: string
  slot: number
  generation: number
  attempt: number
}): WorkerStatus {
  return {
    formatVersion: 1,
    job: { namespace: identity.namespace, name: identity.name },
    slot: identity.slot,
    generation: identity.generation,
    attempt: identity.attempt,
    phase: 'Starting',
    ready: false,
    tasks: [],
    checkpointFailures: 0,
    consecutiveCheckpointFailures: 0,
    transactionsClean: true,
    alarms: [],
    recordsIn: 0,
    recordsOut: 0,
  }
}
